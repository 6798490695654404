using PocketCode.ApiProxy;
using PocketCode.ApiProxy.Proxy;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Storage;

StartupTrace.Mark("main");
// The slim builder: about a fifth less start-up than CreateBuilder (docs/benchmarks.md, "API
// proxy"); the proxy needs none of what it leaves out (host filtering, IIS, static web assets, the
// debug and event-source loggers). It applies hosting startups (terraform/tests record every
// setting read through one) only in Build(), so nothing here reads a setting before Build():
// AddPocketCodeDocumentStore reads its settings from the built configuration.
var builder = WebApplication.CreateSlimBuilder(args);
builder.AddServiceDefaults("api-proxy", ServiceExposure.Internal);
// Only the document store (usage records, the users' credentials): no blobs, and no Cloud
// Storage client, which is not Native AOT safe.
builder.AddPocketCodeDocumentStore();
builder.Services.AddCredentialVault();
builder.Services.AddProxy(builder.Configuration);
builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, ProxyJsonContext.Default));

var app = builder.Build();
StartupTrace.Mark("host built");
app.UseStartupTrace();
app.UseServiceDefaults(); // includes UseRateLimiter (the platform's per-caller limits and the AI policy)
app.MapDefaultEndpoints();

app.MapWhoAmI("/proxy/whoami");
app.MapProxy();
app.MapUsage();

app.Run();

/// <summary>Entry point, public for WebApplicationFactory in the tests.</summary>
public partial class Program;
