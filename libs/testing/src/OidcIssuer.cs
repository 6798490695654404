using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace PocketCode.Testing;

/// <summary>
/// An OpenID Connect token issuer on 127.0.0.1 (a real HTTP server) for the services' token
/// validation: it serves the OpenID configuration and the JWKS of one RSA key, and signs tokens
/// with it, or deliberately wrongly. The configuration is served at the root (issuer =
/// <see cref="BaseUrl"/>, as token.actions.githubusercontent.com) and under any one path segment
/// (issuer = <c>{BaseUrl}/{tenant}</c>, as securetoken.google.com/{project}).
/// </summary>
public sealed class OidcIssuer : IAsyncDisposable
{
    private static readonly string[] IdTokenResponseTypes = ["id_token"];
    private static readonly string[] SubjectTypes = ["public", "pairwise"];
    private static readonly string[] SigningAlgorithms = ["RS256"];

    private readonly WebApplication _server;
    private int _metadataRequests;
    private int _jwksRequests;

    private OidcIssuer(WebApplication server, RSA key, string keyId)
    {
        _server = server;
        Key = key;
        KeyId = keyId;
        BaseUrl = server.Urls.First().TrimEnd('/');
    }

    public RSA Key { get; }

    public string KeyId { get; }

    public string BaseUrl { get; }

    public int MetadataRequests => Volatile.Read(ref _metadataRequests);

    public int JwksRequests => Volatile.Read(ref _jwksRequests);

    public static async Task<OidcIssuer> StartAsync(string keyId)
    {
        var app = LoopbackServer.Create();
        var key = RSA.Create(2048);
        OidcIssuer? issuer = null;
        IResult Metadata(string issuerUrl)
        {
            Interlocked.Increment(ref issuer!._metadataRequests);
            return Results.Json(new Dictionary<string, object>
            {
                ["issuer"] = issuerUrl,
                ["jwks_uri"] = issuer.BaseUrl + "/.well-known/jwks",
                ["response_types_supported"] = IdTokenResponseTypes,
                ["subject_types_supported"] = SubjectTypes,
                ["id_token_signing_alg_values_supported"] = SigningAlgorithms,
            });
        }

        app.MapGet("/.well-known/openid-configuration", () => Metadata(issuer!.BaseUrl));
        app.MapGet("/{tenant}/.well-known/openid-configuration", (string tenant) => Metadata($"{issuer!.BaseUrl}/{tenant}"));
        app.MapGet("/.well-known/jwks", () =>
        {
            Interlocked.Increment(ref issuer!._jwksRequests);
            var parameters = key.ExportParameters(includePrivateParameters: false);
            return Results.Json(new
            {
                keys = new[]
                {
                    new { kty = "RSA", use = "sig", alg = "RS256", kid = keyId, n = Base64Url.EncodeToString(parameters.Modulus), e = Base64Url.EncodeToString(parameters.Exponent) },
                },
            });
        });
        await app.StartAsync();
        issuer = new OidcIssuer(app, key, keyId);
        return issuer;
    }

    /// <summary>A JWT over <paramref name="claims"/>, by default RS256 with this issuer's key and key id.</summary>
    public string Sign(Dictionary<string, object?> claims, RSA? key = null, string? kid = null, bool rs512 = false)
    {
        var header = new Dictionary<string, object> { ["alg"] = rs512 ? "RS512" : "RS256", ["kid"] = kid ?? KeyId, ["typ"] = "JWT" };
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

    /// <summary>A token with <c>alg: none</c> and no signature.</summary>
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
