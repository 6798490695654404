using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Stands in for token.actions.githubusercontent.com: Kestrel on 127.0.0.1 serving the OpenID
/// configuration and JWKS, and minting RS256 tokens shaped like a workflow run's OIDC token.
/// </summary>
public sealed class TestOidcIssuer : IAsyncDisposable
{
    public const string KeyId = "gh-test-key";

    private readonly WebApplication _app;

    private TestOidcIssuer(WebApplication app, RSA key)
    {
        _app = app;
        Key = key;
        Issuer = app.Urls.First().TrimEnd('/');
    }

    public RSA Key { get; }

    public string Issuer { get; }

    public static async Task<TestOidcIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var key = RSA.Create(2048);
        app.MapGet("/.well-known/openid-configuration", (HttpRequest request) =>
        {
            var issuer = $"{request.Scheme}://{request.Host}";
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuer,
                ["jwks_uri"] = issuer + "/.well-known/jwks",
                ["response_types_supported"] = new[] { "id_token" },
                ["subject_types_supported"] = new[] { "public", "pairwise" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/.well-known/jwks", () =>
        {
            var p = key.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url.EncodeToString(p.Modulus), e = Base64Url.EncodeToString(p.Exponent) } } });
        });
        await app.StartAsync();
        return new TestOidcIssuer(app, key);
    }

    /// <summary>The claims of a valid token for <paramref name="repository"/>'s run <paramref name="runId"/>.</summary>
    public Dictionary<string, object?> Claims(string repository, long runId, string audience)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["aud"] = audience,
            ["sub"] = $"repo:{repository}:ref:refs/heads/main",
            ["repository"] = repository,
            ["repository_owner"] = repository.Split('/')[0],
            ["run_id"] = runId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["run_attempt"] = "1",
            ["event_name"] = "workflow_dispatch",
            ["ref"] = "refs/heads/main",
            ["workflow"] = "Android publish",
            ["nbf"] = now - 60,
            ["iat"] = now - 60,
            ["exp"] = now + 300,
        };
    }

    public string Sign(Dictionary<string, object?> claims, RSA? key = null)
    {
        var header = Encode(new Dictionary<string, object> { ["alg"] = "RS256", ["kid"] = KeyId, ["typ"] = "JWT" });
        var input = header + "." + Encode(claims);
        var signature = (key ?? Key).SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    public static string UnsignedToken(Dictionary<string, object?> claims) =>
        Encode(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Encode(claims) + ".";

    private static string Encode<T>(T value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Key.Dispose();
    }
}
