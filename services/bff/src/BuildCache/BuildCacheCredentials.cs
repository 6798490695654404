using System.Buffers.Text;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.BuildCache;

/// <summary>What a cache credential allows: the owner's prefix, for one build of one repository, reading and maybe writing.</summary>
internal sealed record BuildCacheGrant(string OwnerUid, string Repository, string BuildId, bool Push, DateTimeOffset ExpiresAt);

/// <summary>
/// The workflow's cache credentials. Gradle's HttpBuildCache sends only HTTP Basic credentials
/// (docs.gradle.org, HttpBuildCache, read 2026-12-08), and the run's GitHub OIDC token expires
/// after minutes (about 5; GitHub does not document the lifetime, see Azure/login issue 441), far
/// shorter than a build, so the token is exchanged once for this credential. It is stateless: the
/// password is the grant plus an HMAC-SHA256 over it with <see cref="BuildCacheOptions.SigningKey"/>,
/// so no store is read per cache request, nobody without the key can make one, and a changed owner,
/// push flag or expiry no longer verifies. The username is the build id (it shows in logs; the
/// password never does).
/// </summary>
internal sealed class BuildCacheCredentials(IOptions<BuildCacheOptions> options, TimeProvider clock)
{
    private const string Version = "v1";

    // Separates this MAC from any other use of the key, should it ever sign something else.
    private static readonly byte[] Purpose = Encoding.ASCII.GetBytes("pocketcode-build-cache-credential\n");

    // Decoded once, not per cache request: a build sends hundreds of them. Lazy because the key
    // exists only when the cache is enabled (validated at start-up).
    private readonly Lazy<byte[]> _signingKey = new(() => options.Value.SigningKeyBytes());

    public (string Username, string Password) Issue(BuildCacheGrant grant)
    {
        if (new[] { grant.OwnerUid, grant.Repository, grant.BuildId }.Any(f => f.Contains('\n', StringComparison.Ordinal)))
        {
            throw new ArgumentException("A grant's fields cannot hold a line break.", nameof(grant));
        }

        var payload = string.Join('\n', Version, grant.OwnerUid, grant.Repository, grant.BuildId, grant.Push ? "1" : "0",
            grant.ExpiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        var encoded = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload));
        return (grant.BuildId, encoded + "." + Base64Url.EncodeToString(Mac(encoded)));
    }

    /// <summary>The grant of the request's Basic credential, or a 401 problem (with a Basic challenge) saying what is wrong.</summary>
    public BuildCacheGrant Verify(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            || !string.Equals(header.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            throw Unauthorized("The build cache needs the credential of POST /v1/build-cache/sessions as HTTP Basic authentication.");
        }

        var (username, password) = SplitBasic(header.Parameter);
        var dot = password.LastIndexOf('.');
        if (dot <= 0 || !TryDecode(password[(dot + 1)..], out var mac) || !CryptographicOperations.FixedTimeEquals(mac, Mac(password[..dot]))
            || !TryDecode(password[..dot], out var payloadBytes))
        {
            throw Unauthorized("The build cache credential is not valid.");
        }

        var fields = Encoding.UTF8.GetString(payloadBytes).Split('\n');
        if (fields is not [Version, var owner, var repository, var buildId, var push, var expires]
            || !long.TryParse(expires, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresUnix)
            || !string.Equals(username, buildId, StringComparison.Ordinal))
        {
            throw Unauthorized("The build cache credential is not valid.");
        }

        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(expiresUnix);
        if (expiresAt <= clock.GetUtcNow())
        {
            throw Unauthorized("The build cache credential has expired; log in again with a new OIDC token.");
        }

        return new BuildCacheGrant(owner, repository, buildId, push == "1", expiresAt);
    }

    private byte[] Mac(string encodedPayload)
    {
        var data = new byte[Purpose.Length + Encoding.ASCII.GetByteCount(encodedPayload)];
        Purpose.CopyTo(data, 0);
        Encoding.ASCII.GetBytes(encodedPayload, data.AsSpan(Purpose.Length));
        return HMACSHA256.HashData(_signingKey.Value, data);
    }

    private static (string Username, string Password) SplitBasic(string parameter)
    {
        if (BuildCacheRules.FromBase64(parameter) is { } decoded && Encoding.UTF8.GetString(decoded) is var text && text.IndexOf(':', StringComparison.Ordinal) is var colon and > 0)
        {
            return (text[..colon], text[(colon + 1)..]);
        }

        throw Unauthorized("The Basic credential is not base64 of 'username:password'.");
    }

    private static bool TryDecode(string value, out byte[] bytes)
    {
        bytes = [];
        if (value.Length == 0 || !Base64Url.IsValid(value, out var length))
        {
            return false;
        }

        bytes = new byte[length];
        return Base64Url.TryDecodeFromChars(value, bytes, out var written) && written == length;
    }

    /// <summary>A 401 with the Basic challenge, so a client that waits for a challenge before sending credentials knows what to send.</summary>
    private static ProblemException Unauthorized(string detail) =>
        new(401, ProblemCodes.Unauthorized, detail) { Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Basic realm=\"pocketcode-build-cache\"" } };
}
