using System.Net.Http.Headers;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Xunit;

namespace PocketCode.Testing;

/// <summary>
/// Hosts a service in memory the way a developer runs it: Development environment, embedded stores
/// in a fresh temporary folder, development tokens. Extra settings override or add configuration.
/// </summary>
public class ServiceFactory<TProgram> : WebApplicationFactory<TProgram>, IAsyncLifetime
    where TProgram : class
{
    private string? _dataDirectory;

    /// <summary>
    /// The embedded stores' folder: a fresh temporary one unless set before the host starts (to
    /// restart on the data of an earlier host).
    /// </summary>
    public string DataDirectory
    {
        get => _dataDirectory ??= Directory.CreateTempSubdirectory("pocketcode-svc-").FullName;
        init => _dataDirectory = value;
    }

    /// <summary>Whether disposing deletes the data folder; clear it to restart on the same data.</summary>
    public bool OwnsDataDirectory { get; set; } = true;

    /// <summary>Settings applied on top of the defaults; set before the first client is created.</summary>
    /// <remarks>
    /// The per-caller rate limits start generous, so suites that send thousands of requests as one
    /// user are not throttled; a test of the limits sets its own values.
    /// </remarks>
    public Dictionary<string, string?> Settings { get; } = new(StringComparer.OrdinalIgnoreCase)
    {
        ["RateLimits:UserBurst"] = "1000000",
        ["RateLimits:UserPerSecond"] = "1000000",
        ["RateLimits:AnonymousBurst"] = "1000000",
        ["RateLimits:AnonymousPerSecond"] = "1000000",
    };

    public string EnvironmentName { get; set; } = "Development";

    /// <summary>
    /// The service's Google Cloud / Firebase project id (<c>GOOGLE_CLOUD_PROJECT</c>): the audience of
    /// the development tokens and, with Firestore, the project holding the documents. Set it before
    /// the host starts.
    /// </summary>
    public string ProjectId { get; set; } = "demo-pocketcode";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("POCKETCODE_DATA_DIR", DataDirectory);
        builder.UseSetting("GOOGLE_CLOUD_PROJECT", ProjectId);
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(Settings));
        builder.ConfigureLogging(logging => logging.AddProvider(LogCapture.Suite));
    }

    /// <summary>A client carrying a development token for <paramref name="uid"/>.</summary>
    public async Task<HttpClient> CreateClientForAsync(string uid, string? email = null, IReadOnlyDictionary<string, object>? claims = null)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await MintTokenAsync(uid, email, claims));
        return client;
    }

    /// <summary>
    /// Like <see cref="CreateClientForAsync"/>, for a host on real Kestrel (<c>UseKestrel</c>), with
    /// <c>Expect: 100-continue</c> on every request and no limit on waiting for the server's answer
    /// to it. HttpClient's default wait is one second; overrun on a loaded machine, the client sends
    /// the body into a connection the server is refusing with a 413, and the test sees a failed send
    /// instead of the server's answer.
    /// </summary>
    public async Task<HttpClient> CreateExpectContinueClientForAsync(string uid, string? email = null)
    {
        using var started = CreateClient();
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = started.BaseAddress,
        };
        client.DefaultRequestHeaders.ExpectContinue = true;
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await MintTokenAsync(uid, email));
        return client;
    }

    public async Task<string> MintTokenAsync(string uid, string? email = null, IReadOnlyDictionary<string, object>? claims = null)
    {
        using var anonymous = CreateClient();
        using var response = await anonymous.PostAsJsonAsync("/dev/tokens", new { uid, email, claims });
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<TokenBody>();
        return body!.IdToken;
    }

    public virtual ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (!OwnsDataDirectory)
        {
            GC.SuppressFinalize(this);
            return;
        }

        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held by a finishing request; the OS temp cleaner gets it.
        }

        GC.SuppressFinalize(this);
    }

    private sealed record TokenBody(string IdToken, int ExpiresIn);
}
