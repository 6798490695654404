using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using PocketCode.Testing;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Stands in for Google's OAuth token endpoint and the Google Play Developer API (androidpublisher
/// v3) on 127.0.0.1, for the workflow's play-publish.sh. The token endpoint checks the service
/// account's JWT as Google documents it (RS256 over the account's key; iss, scope, aud = Google's
/// token endpoint, exp at most an hour after iat); the API speaks the edit calls the script makes and
/// records them, and answers an upload whose version code is already used as Play does.
/// </summary>
public sealed class PlayStandIn : IAsyncDisposable
{
    public const string Scope = "https://www.googleapis.com/auth/androidpublisher";

    /// <summary>The audience Google's documentation fixes for every assertion, wherever it is posted.</summary>
    public const string GoogleTokenAudience = "https://oauth2.googleapis.com/token";
    public const string ServiceAccountEmail = "publisher@pocketcode-test.iam.gserviceaccount.com";
    public const string EditId = "edit-0001";

    private readonly WebApplication _app;
    private readonly RSA _serviceAccountKey = RSA.Create(2048);

    private PlayStandIn(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public string TokenUrl => BaseUrl + "/token";

    public string AccessToken { get; } = "ya29.standin-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    /// <summary>The version code the uploaded bundle "has" (the stand-in does not parse AABs).</summary>
    public long BundleVersionCode { get; set; }

    /// <summary>Version codes Play already holds: uploading one of them is refused.</summary>
    public ConcurrentDictionary<long, bool> UsedVersionCodes { get; } = new();

    /// <summary>Every API call, in order: "METHOD path".</summary>
    public ConcurrentQueue<string> Calls { get; } = new();

    public ConcurrentQueue<byte[]> UploadedBundles { get; } = new();

    public ConcurrentQueue<JsonElement> TrackUpdates { get; } = new();

    /// <summary>The service account's JSON key, as the user stores it in PocketCode.</summary>
    public string ServiceAccountJson(RSA? key = null) => JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["type"] = "service_account",
        ["project_id"] = "pocketcode-test",
        ["private_key_id"] = "0123456789abcdef",
        ["private_key"] = (key ?? _serviceAccountKey).ExportPkcs8PrivateKeyPem(),
        ["client_email"] = ServiceAccountEmail,
        ["token_uri"] = "https://oauth2.googleapis.com/token",
    });

    public static async Task<PlayStandIn> StartAsync()
    {
        var app = LoopbackServer.Create();
        var standIn = new PlayStandIn(app);
        standIn.Map(app);
        await app.StartAsync();
        standIn.BaseUrl = app.Urls.First();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _serviceAccountKey.Dispose();
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/token", async (HttpRequest request) =>
        {
            Calls.Enqueue("POST /token");
            var form = await request.ReadFormAsync();
            return form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" && ValidAssertion(form["assertion"].ToString())
                ? Results.Json(new { access_token = AccessToken, expires_in = 3599, token_type = "Bearer" })
                : Results.Json(new { error = "invalid_grant", error_description = "Invalid JWT Signature." }, statusCode: 400);
        });

        var api = app.MapGroup("");
        api.AddEndpointFilter(async (context, next) =>
        {
            var request = context.HttpContext.Request;
            Calls.Enqueue($"{request.Method} {request.Path}{request.QueryString}");
            return request.Headers.Authorization.ToString() == "Bearer " + AccessToken
                ? await next(context)
                : GoogleError(401, "Request had invalid authentication credentials.", "UNAUTHENTICATED", "authError");
        });

        api.MapPost("/androidpublisher/v3/applications/{package}/edits", () => Results.Json(new { id = EditId, expiryTimeSeconds = "1800000000" }));

        api.MapPost("/upload/androidpublisher/v3/applications/{package}/edits/{edit}/bundles", async (HttpRequest request, string edit) =>
        {
            if (edit != EditId || request.Query["uploadType"] != "media" || request.ContentType != "application/octet-stream")
            {
                return GoogleError(400, "Bad upload request.", "INVALID_ARGUMENT", "badRequest");
            }

            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            UploadedBundles.Enqueue(body.ToArray());
            // Play's answer for a used version code (reason as Play names it; see play-publish.sh).
            return UsedVersionCodes.ContainsKey(BundleVersionCode)
                ? GoogleError(403, "APK specifies a version code that has already been used.", "PERMISSION_DENIED", "apkUpgradeVersionConflict")
                : Results.Json(new { versionCode = BundleVersionCode, sha256 = Convert.ToHexStringLower(SHA256.HashData(body.ToArray())) });
        });

        api.MapPut("/androidpublisher/v3/applications/{package}/edits/{edit}/tracks/{track}", async (HttpRequest request, string edit) =>
        {
            var track = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            TrackUpdates.Enqueue(track);
            return edit == EditId ? Results.Json(track) : GoogleError(404, "Edit not found.", "NOT_FOUND", "notFound");
        });

        // edits.commit is POST .../edits/{editId}:commit (a custom method in the path segment).
        api.MapPost("/androidpublisher/v3/applications/{package}/edits/{editAction}", (string editAction) =>
            editAction == EditId + ":commit" ? Results.Json(new { id = EditId }) : GoogleError(404, "Edit not found.", "NOT_FOUND", "notFound"));
    }

    private bool ValidAssertion(string jwt)
    {
        var parts = jwt.Split('.');
        if (parts.Length != 3)
        {
            return false;
        }

        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        if (header.RootElement.GetProperty("alg").GetString() != "RS256"
            || !_serviceAccountKey.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1))
        {
            return false;
        }

        using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        var claims = document.RootElement;
        var issuedAt = claims.GetProperty("iat").GetInt64();
        var expires = claims.GetProperty("exp").GetInt64();
        return claims.GetProperty("iss").GetString() == ServiceAccountEmail
            && claims.GetProperty("scope").GetString() == Scope
            && claims.GetProperty("aud").GetString() == GoogleTokenAudience
            && expires > issuedAt && expires - issuedAt <= 3600;
    }

    /// <summary>Google's JSON error body: {error: {code, message, errors: [{message, reason}], status}}.</summary>
    private static IResult GoogleError(int code, string message, string status, string reason) =>
        Results.Json(new { error = new { code, message, errors = new[] { new { message, reason } }, status } }, statusCode: code);
}
