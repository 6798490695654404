using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PocketCode.Platform.Tests.Infrastructure;

/// <summary>
/// Stands in for securetoken.google.com: a real HTTP server on 127.0.0.1 that serves the
/// issuer's OpenID configuration and JWKS, and signs tokens with the matching private key.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string KeyId = "test-key-1";

    private readonly WebApplication _server;
    private int _metadataRequests;
    private int _jwksRequests;

    private TestIssuer(WebApplication server, RSA key)
    {
        _server = server;
        Key = key;
        BaseUrl = server.Urls.First().TrimEnd('/');
    }

    public RSA Key { get; }

    /// <summary>Value for Auth:IssuerBaseUrl; the issuer of this project's tokens is <c>{BaseUrl}/{projectId}</c>.</summary>
    public string BaseUrl { get; }

    public string Issuer => $"{BaseUrl}/{TestApp.ProjectId}";

    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<TestIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls", "http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var key = RSA.Create(2048);
        var app = builder.Build();
        TestIssuer? issuer = null;
        app.MapGet("/{projectId}/.well-known/openid-configuration", (string projectId) =>
        {
            Interlocked.Increment(ref issuer!._metadataRequests);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = $"{issuer.BaseUrl}/{projectId}",
                ["jwks_uri"] = $"{issuer.BaseUrl}/jwks",
                ["response_types_supported"] = new[] { "id_token" },
                ["subject_types_supported"] = new[] { "public" },
                ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            });
        });
        app.MapGet("/jwks", () =>
        {
            Interlocked.Increment(ref issuer!._jwksRequests);
            var parameters = key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = KeyId, n = Base64Url.EncodeToString(parameters.Modulus), e = Base64Url.EncodeToString(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        issuer = new TestIssuer(app, key);
        return issuer;
    }

    /// <summary>Claims of a valid Firebase ID token for <paramref name="uid"/>; tests change one thing at a time.</summary>
    public Dictionary<string, object?> ValidClaims(string uid = "user-123")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object?>
        {
            ["iss"] = Issuer,
            ["aud"] = TestApp.ProjectId,
            ["sub"] = uid,
            ["user_id"] = uid,
            ["iat"] = now - 60,
            ["exp"] = now + 3540,
            ["auth_time"] = now - 60,
            ["email"] = "ada@example.com",
            ["email_verified"] = true,
            ["name"] = "Ada",
            ["firebase"] = new Dictionary<string, object> { ["sign_in_provider"] = "password", ["identities"] = new Dictionary<string, object>() },
        };
    }

    public string Sign(Dictionary<string, object?> claims, RSA? key = null, string kid = KeyId, bool rs512 = false)
    {
        var header = new Dictionary<string, object> { ["alg"] = rs512 ? "RS512" : "RS256", ["kid"] = kid, ["typ"] = "JWT" };
        var input = Encode(header) + "." + Encode(claims);
        var signature = (key ?? Key).SignData(
            Encoding.ASCII.GetBytes(input), rs512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return input + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The classic key-confusion forgery: HS256 with the issuer's public key as the HMAC secret.</summary>
    public string SignHs256WithPublicKey(Dictionary<string, object?> claims)
    {
        var header = new Dictionary<string, object> { ["alg"] = "HS256", ["kid"] = KeyId, ["typ"] = "JWT" };
        var input = Encode(header) + "." + Encode(claims);
        var secret = Key.ExportParameters(false).Modulus!;
        return input + "." + Base64Url.EncodeToString(HMACSHA256.HashData(secret, Encoding.ASCII.GetBytes(input)));
    }

    public static string UnsignedToken(Dictionary<string, object?> claims) =>
        Encode(new Dictionary<string, object> { ["alg"] = "none", ["typ"] = "JWT" }) + "." + Encode(claims) + ".";

    private static string Encode<T>(T value) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(value));

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(CancellationToken.None);
        await _server.DisposeAsync();
        Key.Dispose();
    }
}
