using PocketCode.ApiProxy;
using PocketCode.ApiProxy.Proxy;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;
using PocketCode.Platform.Secrets;
using PocketCode.Storage;

StartupTrace.Mark("main");
// The slim builder: no HTTPS/HTTP3 (Cloud Run terminates TLS), no regex route constraints, no IIS or
// hosting-startup scanning; less to set up on a cold start.
var builder = WebApplication.CreateSlimBuilder(args);
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
