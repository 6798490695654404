using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The BFF on embedded stores, wired to a GitHub stand-in (REST on Kestrel + bare repositories on
/// disk) and a local GitHub OIDC issuer. Tests use fresh users, so they share one host.
/// </summary>
public class BuildsFixture : IAsyncLifetime
{
    public const string Audience = "http://127.0.0.1:5999";
    public const string WebhookSecret = "webhook-secret-for-tests";

    public GitHubStandIn GitHub { get; private set; } = null!;

    public TestOidcIssuer Oidc { get; private set; } = null!;

    public ServiceFactory<Program> Factory { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        GitHub = await GitHubStandIn.StartAsync();
        Oidc = await TestOidcIssuer.StartAsync();
        Factory = CreateFactory();
        Factory.Settings["Builds:GitHubApiUrl"] = GitHub.ApiUrl;
        Factory.Settings["Builds:GitRemoteBaseUrl"] = GitHub.GitRoot;
        Factory.Settings["Builds:OidcIssuer"] = Oidc.Issuer;
        Factory.Settings["Builds:PublicBaseUrl"] = Audience;
        Factory.Settings["Builds:EventsPollInterval"] = "00:00:00.050";
        Factory.Settings["GITHUB_WEBHOOK_SECRET"] = WebhookSecret;
        await ConfigureAsync(Factory);
        await Factory.InitializeAsync();
    }

    protected virtual ServiceFactory<Program> CreateFactory() => new();

    /// <summary>Lets a derived fixture start more stand-ins and add settings before the host starts.</summary>
    protected virtual ValueTask ConfigureAsync(ServiceFactory<Program> factory) => ValueTask.CompletedTask;

    /// <summary>Stops what <see cref="ConfigureAsync"/> started (after the host).</summary>
    protected virtual ValueTask DisposeExtrasAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await DisposeExtrasAsync();
        await Oidc.DisposeAsync();
        await GitHub.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>A client for a new user holding the three credentials the pipeline needs.</summary>
    public async Task<HttpClient> UserWithCredentialsAsync(string uid, string? githubToken = null)
    {
        var client = await Factory.CreateClientForAsync(uid);
        await OkAsync(client.PutAsJsonAsync("/v1/me/credentials/github", new { token = githubToken ?? GitHub.AcceptedToken }, Ct));
        await OkAsync(client.PostAsJsonAsync("/v1/me/credentials/keystore:generate", new { alias = "upload" }, Ct));
        await OkAsync(client.PutAsJsonAsync("/v1/me/credentials/play", new { serviceAccountJson = ServiceAccountJson() }, Ct));
        return client;
    }

    /// <summary>Starts a build; asserts 202 with a queued build and returns it.</summary>
    public static async Task<JsonElement> StartBuildAsync(HttpClient client, string projectId, object? body = null)
    {
        using var response = await client.PostAsJsonAsync($"/v1/projects/{projectId}/builds", body ?? new { track = "internal", releaseStatus = "completed" }, Ct);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {text}");
        var build = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal($"/v1/builds/{build.GetProperty("id").GetString()}", response.Headers.Location?.OriginalString);
        return build;
    }

    public static async Task<JsonElement> GetBuildAsync(HttpClient client, string buildId) =>
        await client.GetFromJsonAsync<JsonElement>($"/v1/builds/{buildId}", Ct);

    /// <summary>Reads the build until <paramref name="done"/> holds (the orchestration runs in the background).</summary>
    public static async Task<JsonElement> WaitForAsync(HttpClient client, string buildId, Func<JsonElement, bool> done)
    {
        for (var attempt = 0; ; attempt++)
        {
            var build = await GetBuildAsync(client, buildId);
            if (done(build))
            {
                return build;
            }

            Assert.True(attempt < 1200, $"build never reached the expected state: {build}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Waits until the BFF dispatched the workflow (or the build ended, which fails the test with its error).</summary>
    public static async Task<JsonElement> WaitForDispatchedAsync(HttpClient client, string buildId)
    {
        var build = await WaitForAsync(client, buildId, b => b.GetProperty("step").GetString() == "dispatched" || b.GetProperty("state").GetString() is "failed" or "cancelled" or "succeeded");
        Assert.True(build.GetProperty("step").GetString() == "dispatched", $"the build did not reach the dispatch: {build}");
        return build;
    }

    public string Token(string repository, long runId, Action<Dictionary<string, object?>>? change = null)
    {
        var claims = Oidc.Claims(repository, runId, Audience);
        change?.Invoke(claims);
        return Oidc.Sign(claims);
    }

    /// <summary>POSTs a workflow report with <paramref name="token"/> (null = no Authorization header).</summary>
    public async Task<HttpResponseMessage> ReportAsync(string buildId, string? token, object report)
    {
        using var anonymous = Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/builds/{buildId}/events") { Content = JsonContent.Create(report) };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await anonymous.SendAsync(request, Ct);
    }

    private static async Task OkAsync(Task<HttpResponseMessage> call)
    {
        using var response = await call;
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    private static string ServiceAccountJson()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        return JsonSerializer.Serialize(new Dictionary<string, string?>
        {
            ["type"] = "service_account",
            ["project_id"] = "pocketcode-test",
            ["private_key_id"] = "0123456789abcdef",
            ["private_key"] = rsa.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = "publisher@pocketcode-test.iam.gserviceaccount.com",
            ["client_id"] = "1234567890",
            ["token_uri"] = "https://oauth2.googleapis.com/token",
        });
    }
}

/// <summary>The same wiring with the BFF's documents in Google's Firestore emulator.</summary>
public sealed class FirestoreBuildsFixture : BuildsFixture
{
    protected override ServiceFactory<Program> CreateFactory() => new Firestore.BffFirestoreFactory();
}
