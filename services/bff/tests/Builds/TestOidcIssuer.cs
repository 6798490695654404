using System.Security.Cryptography;
using PocketCode.Testing;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Stands in for token.actions.githubusercontent.com (the shared <see cref="OidcIssuer"/>, issuer
/// at its root), with the claims of a workflow run's OIDC token.
/// </summary>
public sealed class TestOidcIssuer : IAsyncDisposable
{
    public const string KeyId = "gh-test-key";

    private readonly OidcIssuer _issuer;

    private TestOidcIssuer(OidcIssuer issuer) => _issuer = issuer;

    public RSA Key => _issuer.Key;

    public string Issuer => _issuer.BaseUrl;

    public static async Task<TestOidcIssuer> StartAsync() => new(await OidcIssuer.StartAsync(KeyId));

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

    public string Sign(Dictionary<string, object?> claims, RSA? key = null) => _issuer.Sign(claims, key);

    public static string UnsignedToken(Dictionary<string, object?> claims) => OidcIssuer.UnsignedToken(claims);

    public ValueTask DisposeAsync() => _issuer.DisposeAsync();
}
