using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Security;

/// <summary>
/// The BFF's authorization matrix (engine: <see cref="AuthorizationMatrixTests{TProgram}"/>): user A
/// owns a project with a file, a device and a credential; every operation of the BFF's document is
/// called without a valid token and with user B's token.
/// </summary>
public sealed class BffAuthorizationMatrixTests(BffMatrixFactory factory)
    : AuthorizationMatrixTests<Program>(factory), IClassFixture<BffMatrixFactory>
{
    private const string ProjectName = "matrix-secret-project-name";
    private const string FileContent = "matrix-secret-file-content";
    private const string DeviceToken = "matrix-secret-fcm-token";
    private const string GeminiKey = "AIzaSyMatrixSecretGeminiKey0000000000000";

    protected override IReadOnlyDictionary<string, (Access Access, string Reason)> AllowedForOtherUsers { get; } =
        new Dictionary<string, (Access, string)>
        {
            ["GET /v1/whoami"] = (Access.CallerScoped, "the caller's own identity"),
            ["GET /v1/me"] = (Access.CallerScoped, "the caller's own profile"),
            ["PATCH /v1/me"] = (Access.CallerScoped, "the caller's own profile"),
            ["GET /v1/home"] = (Access.CallerScoped, "the caller's own projects and builds"),
            ["GET /v1/projects"] = (Access.CallerScoped, "lists the caller's own projects"),
            ["POST /v1/projects"] = (Access.CallerScoped, "creates a project owned by the caller"),
            ["GET /v1/me/credentials"] = (Access.CallerScoped, "the caller's own vault"),
            ["PUT /v1/me/credentials/gemini"] = (Access.CallerScoped, "stores into the caller's own vault"),
            ["PUT /v1/me/credentials/openai"] = (Access.CallerScoped, "stores into the caller's own vault"),
            ["PUT /v1/me/credentials/github"] = (Access.CallerScoped, "stores into the caller's own vault"),
            ["PUT /v1/me/credentials/play"] = (Access.CallerScoped, "stores into the caller's own vault"),
            ["PUT /v1/me/credentials/keystore"] = (Access.CallerScoped, "stores into the caller's own vault"),
            ["DELETE /v1/me/credentials/{kind}"] = (Access.CallerScoped, "deletes from the caller's own vault (A's key stays: snapshot)"),
            ["POST /v1/me/credentials/keystore:generate"] = (Access.CallerScoped, "generates into the caller's own vault"),
            ["GET /v1/me/devices"] = (Access.CallerScoped, "the caller's own devices"),
            ["PUT /v1/me/devices/{installationId}"] = (Access.CallerScoped, "registers a device for the caller; A's registration stays (snapshot)"),
            ["DELETE /v1/me/devices/{installationId}"] = (Access.CallerScoped, "removes only the caller's own device; A's stays (snapshot)"),
        };

    protected override IReadOnlyDictionary<string, string> AnonymousOperations { get; } = new Dictionary<string, string>
    {
        ["POST /v1/builds/{id}/events"] = "the build runner authenticates with a GitHub Actions OIDC token bound to the build",
        ["POST /v1/builds/{id}/artifact-uploads"] = "the build runner authenticates with a GitHub Actions OIDC token bound to the build",
        ["POST /v1/github/webhooks"] = "GitHub signs the body with the webhook secret (X-Hub-Signature-256)",
        ["POST /v1/build-cache/sessions"] = "the build runner authenticates with a GitHub Actions OIDC token bound to the build",
        ["GET /v1/build-cache/{key}"] = "Gradle sends the HMAC-signed cache credential of a build's owner (HTTP Basic)",
        ["PUT /v1/build-cache/{key}"] = "Gradle sends the HMAC-signed cache credential of a build's owner (HTTP Basic)",
    };

    protected override IReadOnlyDictionary<string, string> DependentOperations { get; } = new Dictionary<string, string>
    {
        ["POST /v1/projects/{id}/assets"] = "installs fetch the asset from the marketplace, which this test does not run",
    };

    protected override IReadOnlyDictionary<string, string> Undocumented { get; } = new Dictionary<string, string>
    {
        ["PUT /v1/me/credentials/{kind}"] = "fallback for kinds without a documented route: answers a 404 problem for any unknown kind",
    };

    // Forwarded to the marketplace and the API proxy, whose own matrices cover them.
    protected override IReadOnlyList<string> ForwardedPrefixes { get; } = ["/v1/marketplace", "/proxy"];

    protected override async Task SeedAsync(MatrixSeed seed)
    {
        var owner = seed.Owner;
        using (var created = await owner.PostAsJsonAsync("/v1/projects", new { name = ProjectName, applicationId = "com.matrix.secret" }, Ct))
        {
            var body = await created.Content.ReadAsStringAsync(Ct);
            Assert.True(created.StatusCode == HttpStatusCode.Created, body);
            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            seed.Set("id", id, "/v1/projects/").Set("projectId", id).Set("path", "src/Secret.kt");
            seed.Items["project"] = id;
        }

        using (var file = await owner.PutAsync($"/v1/projects/{seed.Items["project"]}/files/src/Secret.kt", new StringContent(FileContent), Ct))
        {
            Assert.True(file.IsSuccessStatusCode, await file.Content.ReadAsStringAsync(Ct));
        }

        using (var device = await owner.PutAsJsonAsync("/v1/me/devices/matrix-install-a", new { token = DeviceToken, platform = "android", appVersion = "1.0.0" }, Ct))
        {
            Assert.True(device.IsSuccessStatusCode, await device.Content.ReadAsStringAsync(Ct));
        }

        using (var credential = await owner.PutAsJsonAsync("/v1/me/credentials/gemini", new { apiKey = GeminiKey }, Ct))
        {
            Assert.True(credential.IsSuccessStatusCode, await credential.Content.ReadAsStringAsync(Ct));
        }

        seed.Set("installationId", "matrix-install-a").Set("kind", "gemini");
        seed.Marker(ProjectName).Marker(FileContent).Marker(DeviceToken).Marker(GeminiKey).Marker(UserA);
    }

    protected override HttpContent? Body(string method, string template, MatrixSeed seed) => template switch
    {
        "/v1/projects/{id}/files/{path}" => new StringContent("written by user B"),
        "/v1/projects/{id}/files:move" => Json("""{"from":"src/Secret.kt","to":"src/Moved.kt","overwrite":true}"""),
        "/v1/projects/{id}" => Json("""{"name":"renamed by B"}"""),
        "/v1/projects" => Json("""{"name":"B's project","applicationId":"com.matrix.b"}"""),
        "/v1/projects/{id}/assets" => Json("""{"assetId":"random-asset","version":"1.0.0"}"""),
        "/v1/projects/{projectId}/builds" => Json("""{"variant":"debug"}"""),
        "/v1/me/devices/{installationId}" => Json("""{"token":"b-token","platform":"android","appVersion":"1.0.0"}"""),
        "/v1/me/credentials/gemini" => Json("""{"apiKey":"AIzaSyUserBKey000000000000000000000000000"}"""),
        _ => base.Body(method, template, seed),
    };

    protected override async Task<string> SnapshotAsync(HttpClient owner, MatrixSeed seed)
    {
        var id = seed.Items["project"];
        var text = new StringBuilder();
        foreach (var path in new[] { $"/v1/projects/{id}", $"/v1/projects/{id}/tree", $"/v1/projects/{id}/files/src/Secret.kt", "/v1/me/devices", "/v1/me/credentials" })
        {
            using var response = await owner.GetAsync(path, Ct);
            text.Append(path).Append(' ').Append((int)response.StatusCode).Append(' ').AppendLine(await response.Content.ReadAsStringAsync(Ct));
        }

        return text.ToString();
    }

}

/// <summary>The BFF with the anonymous build callbacks configured (webhook secret, OIDC issuer stand-in), so their own checks run.</summary>
public sealed class BffMatrixFactory : ServiceFactory<Program>
{
    private Builds.TestOidcIssuer? _oidc;

    public override async ValueTask InitializeAsync()
    {
        _oidc = await Builds.TestOidcIssuer.StartAsync();
        Settings["Builds:OidcIssuer"] = _oidc.Issuer;
        Settings["Builds:PublicBaseUrl"] = "https://bff.matrix.test";
        Settings["GITHUB_WEBHOOK_SECRET"] = "matrix-webhook-secret";
        await base.InitializeAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_oidc is not null)
        {
            await _oidc.DisposeAsync();
        }
    }
}
