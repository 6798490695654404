using PocketCode.ApiProxy;
using PocketCode.ApiProxy.Proxy;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;
using PocketCode.Platform.Secrets;
using PocketCode.Storage;

StartupTrace.Mark("main");
// Not the slim builder: it applies hosting startups only after Program.cs has read its storage
// settings, so terraform/tests' ServiceEnvironmentTests (which record every key read through one)
// could not see them; its start-up gain was not measurable next to the rest.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("api-proxy");
// Only the document store (usage records, the users' credentials): no blobs, and no Cloud
// Storage client, which is not Native AOT safe.
builder.AddPocketCodeDocumentStore();
builder.Services.AddCredentialVault();
builder.Services.AddApiProxy(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProxyJsonContext.Default));

var app = builder.Build();
StartupTrace.Mark("host built");
app.UseStartupTrace();
app.UseServiceDefaults(); // includes UseRateLimiter (the platform's per-caller limits and the AI policy)
app.MapDefaultEndpoints();

app.MapWhoAmI("/proxy/whoami");
app.MapProxyApi();
app.MapUsageApi();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
