using PocketCode.Marketplace;
using PocketCode.Platform;
using PocketCode.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("marketplace", ServiceExposure.Internal);
builder.AddPocketCodeStorage();
builder.Services.AddMarketplace();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapPocketCodeStorageEndpoints();

app.MapWhoAmI("/v1/marketplace/whoami");
app.MapMarketplaceApi();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
