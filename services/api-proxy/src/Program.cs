using PocketCode.Platform;
using PocketCode.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("api-proxy");
builder.AddPocketCodeStorage();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapPocketCodeStorageEndpoints();

app.MapWhoAmI("/proxy/whoami");

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
