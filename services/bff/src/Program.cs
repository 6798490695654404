using PocketCode.Bff.Assets;
using PocketCode.Bff.BuildCache;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Credentials;
using PocketCode.Bff.Home;
using PocketCode.Bff.Notifications;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Routing;
using PocketCode.Bff.Users;
using PocketCode.Platform;
using PocketCode.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("bff");
builder.AddPocketCodeStorage();
builder.Services.AddUsers();
builder.Services.AddCredentials();
builder.Services.AddProjects();
builder.Services.AddServiceRoutes();
builder.Services.AddHome();
builder.Services.AddAssetInstalls();
builder.Services.AddBuilds();
builder.Services.AddBuildCache();
builder.Services.AddNotifications();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapPocketCodeStorageEndpoints();

app.MapWhoAmI("/v1/whoami");
app.MapUsers();
app.MapCredentials();
app.MapProjects();
app.MapHome();
app.MapAssetInstalls();
app.MapBuilds();
app.MapBuildCache();
app.MapNotifications();
app.MapServiceRoutes();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
