using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Creators;
using PocketCode.Marketplace.Reviews;
using PocketCode.Marketplace.Search;
using PocketCode.Platform;
using PocketCode.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("marketplace", ServiceExposure.Internal);
builder.AddPocketCodeStorage();
builder.Services.AddAssets();
builder.Services.AddReviews();
builder.Services.AddSearch();
builder.Services.AddCreators();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapPocketCodeStorageEndpoints();

app.MapWhoAmI("/v1/marketplace/whoami");
app.MapAssets();
app.MapReviews();
app.MapSearch();
app.MapCreators();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
