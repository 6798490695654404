using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PocketCode.Accounts.Credentials;
using PocketCode.Testing;
using Xunit;

// The Firestore budget tests share one emulator per test run; this stops it when the assembly
// finishes (it starts nothing, so runs without Firestore tests pay nothing).
[assembly: AssemblyFixture(typeof(SharedFirestoreEmulatorCleanup))]

namespace PocketCode.ApiProxy.Tests.Infrastructure;

/// <summary>Keys the tests use; none of them may ever show up in a response or a log line.</summary>
public static class TestKeys
{
    public const string PlatformGemini = "AIzaPLATFORM-gemini-key-0123456789";
    public const string PlatformOpenAi = "sk-PLATFORM-openai-key-0123456789";

    public static string UserGemini(string uid) => "AIzaUSER-" + uid + "-gemini-key";

    public static string UserOpenAi(string uid) => "sk-USER-" + uid + "-openai-key";
}

/// <summary>
/// The proxy on a real Kestrel socket with embedded SQLite, pointed at its own
/// <see cref="FakeProvider"/>, every log line captured. Settings may be changed in a subclass's
/// constructor (before the host starts).
/// </summary>
public class ProxyFactory : ServiceFactory<Program>
{
    public ProxyFactory()
    {
        UseKestrel(0);
        ProxyTestSettings.Defaults(Settings);
    }

    public FakeProvider Provider { get; private set; } = null!;

    /// <summary>Set before start to use another factory's stand-in (that factory disposes it).</summary>
    public FakeProvider? SharedProvider { get; init; }

    public LogCapture Logs { get; } = new();

    public override async ValueTask InitializeAsync()
    {
        Provider = SharedProvider ?? await FakeProvider.StartAsync();
        ProxyTestSettings.PointAt(Settings, Provider.Url);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (SharedProvider is null)
        {
            await Provider.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    public Task StoreOwnKeyAsync(string uid, string provider, string key, string? baseUrl = null) =>
        ProxyTestSettings.StoreOwnKeyAsync(Services, uid, provider, key, baseUrl ?? Provider.Url + "/v1");
}

/// <summary>The same proxy with Google's Firestore emulator as its document store.</summary>
public class FirestoreProxyFactory : FirestoreServiceFactory<Program>
{
    public FirestoreProxyFactory()
    {
        UseKestrel(0);
        ProxyTestSettings.Defaults(Settings);
    }

    public FakeProvider Provider { get; private set; } = null!;

    public override async ValueTask InitializeAsync()
    {
        Provider = await FakeProvider.StartAsync();
        ProxyTestSettings.PointAt(Settings, Provider.Url);
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Provider.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }
}

public static class ProxyTestSettings
{
    public static void Defaults(Dictionary<string, string?> settings)
    {
        LogCapture.AllLevels(settings);
        settings["GEMINI_API_KEY"] = TestKeys.PlatformGemini;
        settings["OPENAI_API_KEY"] = "";
        settings["Proxy:KeyCacheTtl"] = "00:00:00";
        settings["Proxy:RateLimit:TokenLimit"] = "10000";
        settings["Proxy:RateLimit:TokensPerPeriod"] = "10000";
        settings["Proxy:DailyTokenBudget"] = "0";
        settings["Proxy:Timeout"] = "00:00:30";
    }

    public static void PointAt(Dictionary<string, string?> settings, string url)
    {
        settings["Providers:Gemini:BaseUrl"] = url;
        settings["Providers:OpenAi:BaseUrl"] = url + "/v1";
    }

    public static async Task StoreOwnKeyAsync(IServiceProvider services, string uid, string provider, string key, string baseUrl)
    {
        var vault = services.GetRequiredService<CredentialVault>();
        var fields = new Dictionary<string, string> { [CredentialKinds.Fields.ApiKey] = key };
        if (provider == CredentialKinds.OpenAi)
        {
            fields[CredentialKinds.Fields.BaseUrl] = baseUrl;
        }

        await vault.StoreAsync(uid, provider, fields);
    }
}

public static class ProxyHttp
{
    public static string GeminiPath(string model = "gemini-2.5-flash", string method = "generateContent") =>
        $"/proxy/ai/gemini/v1beta/models/{model}:{method}";

    /// <summary>A Gemini body unique to a test (the marker finds its calls at the stand-in).</summary>
    public static string GeminiBody(string marker) =>
        $$$"""{"contents":[{"role":"user","parts":[{"text":"{{{marker}}}"}]}],"generationConfig":{"temperature":0.2},"unknownMember":{"kept":[1,2]}}""";

    public static HttpRequestMessage Post(string path, string json, string? cacheControl = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = Json(json) };
        if (cacheControl is not null)
        {
            request.Headers.CacheControl = CacheControlHeaderValue.Parse(cacheControl);
        }

        return request;
    }
}
