using PocketCode.Platform;
using PocketCode.Storage;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("bff");
builder.AddPocketCodeStorage();

var app = builder.Build();
app.UseServiceDefaults();
app.MapDefaultEndpoints();
app.MapPocketCodeStorageEndpoints();

app.MapWhoAmI("/v1/whoami");

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
