using System.Security.Cryptography;
using PocketCode.Testing;

namespace PocketCode.Platform.Tests.Infrastructure;

/// <summary>
/// Stands in for securetoken.google.com (the shared <see cref="OidcIssuer"/>, whose tokens for
/// project <c>p</c> have the issuer <c>{BaseUrl}/p</c>), with the claims of a Firebase ID token.
/// </summary>
public sealed class TestIssuer : IAsyncDisposable
{
    public const string KeyId = "test-key-1";

    private readonly OidcIssuer _issuer;

    private TestIssuer(OidcIssuer issuer) => _issuer = issuer;

    public RSA Key => _issuer.Key;

    /// <summary>Value for Auth:IssuerBaseUrl; the issuer of this project's tokens is <c>{BaseUrl}/{projectId}</c>.</summary>
    public string BaseUrl => _issuer.BaseUrl;

    public string Issuer => $"{BaseUrl}/{TestApp.ProjectId}";

    public int MetadataRequests => _issuer.MetadataRequests;

    public int JwksRequests => _issuer.JwksRequests;

    public static async Task<TestIssuer> StartAsync() => new(await OidcIssuer.StartAsync(KeyId));

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

    public string Sign(Dictionary<string, object?> claims, RSA? key = null, string kid = KeyId, bool rs512 = false) =>
        _issuer.Sign(claims, key, kid, rs512);

    /// <inheritdoc cref="OidcIssuer.SignHs256WithPublicKey"/>
    public string SignHs256WithPublicKey(Dictionary<string, object?> claims) => _issuer.SignHs256WithPublicKey(claims);

    public static string UnsignedToken(Dictionary<string, object?> claims) => OidcIssuer.UnsignedToken(claims);

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();
}
