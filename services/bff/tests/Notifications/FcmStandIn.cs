using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PocketCode.Testing;

namespace PocketCode.Bff.Tests.Notifications;

/// <summary>
/// Stands in for Google's OAuth token endpoint and FCM HTTP v1 on Kestrel (127.0.0.1). It holds a
/// service account's private key (written to <see cref="CredentialFile"/> with <c>token_uri</c>
/// pointing here), grants an access token only for a JWT assertion signed with that key for the
/// firebase.messaging scope, and accepts <c>messages:send</c> only with that token. Per device
/// token it can answer UNREGISTERED, fail with 503, or hold requests until released.
/// </summary>
public sealed class FcmStandIn : IAsyncDisposable
{
    public const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";

    public const string ClientEmail = "fcm-sender@demo-pocketcode.iam.gserviceaccount.com";

    private readonly WebApplication _app;
    private readonly RSA _key;
    private readonly string _folder;

    private FcmStandIn(WebApplication app, RSA key, string folder)
    {
        _app = app;
        _key = key;
        _folder = folder;
        BaseUrl = app.Urls.First().TrimEnd('/');
        CredentialFile = Path.Combine(folder, "service-account.json");
    }

    public string BaseUrl { get; }

    public string CredentialFile { get; }

    /// <summary>Access tokens granted by <c>/token</c> (for valid assertions only).</summary>
    public ConcurrentBag<string> IssuedTokens { get; } = [];

    /// <summary>Assertion grants refused (bad signature, issuer, audience, scope or expiry).</summary>
    public ConcurrentQueue<string> RefusedGrants { get; } = new();

    /// <summary>Every messages:send call: the project, bearer token and the <c>message</c> object.</summary>
    public ConcurrentQueue<(string Project, string? Bearer, JsonElement Message)> Requests { get; } = new();

    /// <summary>Device tokens FCM no longer knows (404 UNREGISTERED).</summary>
    public ConcurrentDictionary<string, bool> Unregistered { get; } = new();

    /// <summary>Device token → how many more requests answer 503 (with Retry-After: 0).</summary>
    public ConcurrentDictionary<string, int> Failing { get; } = new();

    /// <summary>Device token → a gate the request waits on before it is answered.</summary>
    public ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

    public IEnumerable<JsonElement> MessagesTo(string deviceToken) =>
        Requests.Where(r => r.Message.GetProperty("token").GetString() == deviceToken).Select(r => r.Message);

    public static async Task<FcmStandIn> StartAsync()
    {
        var app = LoopbackServer.Create();
        var key = RSA.Create(2048);
        var folder = Directory.CreateTempSubdirectory("fcm-standin-").FullName;
        FcmStandIn? self = null;
        app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var why = "grant_type";
            if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer" || !self!.IsValidAssertion(form["assertion"].ToString(), out why))
            {
                var reason = why;
                self!.RefusedGrants.Enqueue(reason);
                return Results.Json(new { error = "invalid_grant", error_description = "bad assertion: " + reason }, statusCode: 400);
            }

            var accessToken = "ya29.standin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            self.IssuedTokens.Add(accessToken);
            return Results.Json(new { access_token = accessToken, expires_in = 3600, token_type = "Bearer" });
        });
        app.MapPost("/v1/projects/{project}/messages:send", async (string project, HttpRequest request) =>
        {
            var bearer = request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal) ? auth[7..] : null;
            using var body = await JsonDocument.ParseAsync(request.Body);
            var message = body.RootElement.GetProperty("message").Clone();
            self!.Requests.Enqueue((project, bearer, message));
            if (bearer is null || !self.IssuedTokens.Contains(bearer))
            {
                return Error(401, "UNAUTHENTICATED", null, "Request had invalid authentication credentials.");
            }

            var token = message.GetProperty("token").GetString()!;
            if (self.Held.TryGetValue(token, out var gate))
            {
                await gate.Task;
            }

            if (self.Unregistered.ContainsKey(token))
            {
                return Error(404, "NOT_FOUND", "UNREGISTERED", "Requested entity was not found.");
            }

            if (self.Failing.TryGetValue(token, out var left) && left > 0)
            {
                self.Failing[token] = left - 1;
                request.HttpContext.Response.Headers.RetryAfter = "0";
                return Error(503, "UNAVAILABLE", "UNAVAILABLE", "The service is currently unavailable.");
            }

            return Results.Json(new { name = $"projects/{project}/messages/{Guid.NewGuid():N}" });
        });
        await app.StartAsync();
        self = new FcmStandIn(app, key, folder);
        await File.WriteAllTextAsync(self.CredentialFile, JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["type"] = "service_account",
            ["project_id"] = "demo-pocketcode",
            ["private_key_id"] = "fcm-standin-key",
            ["private_key"] = key.ExportPkcs8PrivateKeyPem() + "\n",
            ["client_email"] = ClientEmail,
            ["client_id"] = "1000000000001",
            ["token_uri"] = self.BaseUrl + "/token",
        }));
        return self;
    }

    private static IResult Error(int status, string statusName, string? errorCode, string message) => Results.Json(new
    {
        error = new
        {
            code = status,
            message,
            status = statusName,
            details = errorCode is null ? [] : new object[] { new Dictionary<string, string> { ["@type"] = "type.googleapis.com/google.firebase.fcm.v1.FcmError", ["errorCode"] = errorCode } },
        },
    }, statusCode: status);

    /// <summary>An RS256 JWT signed with the service account's key, for this endpoint and the FCM scope, not expired.</summary>
    private bool IsValidAssertion(string jwt, out string why)
    {
        var parts = jwt.Split('.');
        why = "shape";
        if (parts.Length != 3)
        {
            return false;
        }

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        using var claims = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var signed = _key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var c = claims.RootElement;
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        why = !signed ? "signature"
            : header.RootElement.GetProperty("alg").GetString() != "RS256" ? "alg"
            : c.GetProperty("iss").GetString() != ClientEmail ? "iss"
            // Google.Apis.Auth always names Google's token endpoint as the audience (what Google checks),
            // whatever token_uri the assertion is posted to.
            : c.GetProperty("aud").GetString() != GoogleTokenAudience ? "aud"
            : !(c.GetProperty("scope").GetString() ?? "").Split(' ').Contains("https://www.googleapis.com/auth/firebase.messaging") ? "scope"
            : c.GetProperty("exp").GetInt64() <= now ? "exp"
            : "";
        return why.Length == 0;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var gate in Held.Values)
        {
            gate.TrySetResult();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
        Directory.Delete(_folder, recursive: true);
    }
}
