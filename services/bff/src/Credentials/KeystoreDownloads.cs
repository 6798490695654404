using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Accounts.Users;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Credentials;

/// <summary>
/// One-time download tokens for generated keystores, in <c>credential_downloads/{sha256(token)}</c>:
/// <c>{uid, kind, fingerprint, createdAt, expiresAt, usedAt?}</c>. Only the token's hash is
/// stored, so the collection alone cannot be used to download. A token serves its owner once,
/// within <see cref="Lifetime"/>, and only while the same keystore (by fingerprint) is stored.
/// Used and expired records stay until a TTL policy on <c>expiresAt</c> removes them.
/// </summary>
internal sealed class KeystoreDownloads(IDocumentStore store, CredentialVault vault, TimeProvider clock)
{
    public const string Collection = "credential_downloads";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

    private const int TokenBytes = 32;

    /// <summary>A new token; <paramref name="write"/> adds its record to the caller's transaction.</summary>
    public static (string Token, DateTimeOffset ExpiresAt, Action<IDocumentTransaction, CredentialSummary> Write) Prepare(string uid, DateTimeOffset now)
    {
        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        var expiresAt = now + Lifetime;
        var path = PathOf(token);
        return (token, expiresAt, (transaction, credential) => transaction.Create(path, new Dictionary<string, object?>
        {
            ["uid"] = uid,
            ["kind"] = CredentialKinds.Keystore,
            ["fingerprint"] = credential.Fingerprint,
            ["createdAt"] = now,
            ["expiresAt"] = expiresAt,
        }));
    }

    /// <summary>
    /// Burns the token and returns the keystore it was made for. Unknown tokens and other users'
    /// tokens are 404 (their existence is not confirmed); used, expired or outdated ones are 410.
    /// </summary>
    public async Task<KeystoreDownloadResponse> RedeemAsync(string uid, string? token, CancellationToken cancellationToken)
    {
        if (token is null || token.Length != Base64Url.GetEncodedLength(TokenBytes) || !Base64Url.IsValid(token))
        {
            throw NotFound();
        }

        var path = PathOf(token);
        var userPath = UserDocuments.PathOf(uid);
        var record = await store.RunTransactionAsync(async (transaction, ct) =>
        {
            var download = await transaction.GetAsync(path, ct);
            if (download is null || download.GetString("uid") != uid)
            {
                throw NotFound();
            }

            if (download.Has("usedAt"))
            {
                throw Gone("This keystore download was already used; each token works once.");
            }

            var now = clock.GetUtcNow();
            if (download.GetTimestamp("expiresAt") is not { } expiresAt || expiresAt <= now)
            {
                throw Gone("This keystore download expired; generate a new keystore to get another.");
            }

            var stored = CredentialVault.FindRecord(await transaction.GetAsync(userPath, ct), CredentialKinds.Keystore);
            if (stored is null || stored.GetValueOrDefault("fingerprint") as string != download.GetString("fingerprint"))
            {
                throw Gone("The keystore this token was made for has since been replaced or removed.");
            }

            transaction.Update(path, new Dictionary<string, object?> { ["usedAt"] = now });
            return stored;
        }, cancellationToken: cancellationToken);

        var secret = vault.Open(uid, CredentialKinds.Keystore, record);
        var format = secret[CredentialKinds.Fields.Format].Reveal();
        return new KeystoreDownloadResponse(
            format == "jks" ? "upload-keystore.jks" : "upload-keystore.p12",
            format,
            secret[CredentialKinds.Fields.Keystore].Reveal(),
            secret[CredentialKinds.Fields.Alias].Reveal(),
            secret[CredentialKinds.Fields.StorePassword].Reveal(),
            secret[CredentialKinds.Fields.KeyPassword].Reveal());
    }

    private static string PathOf(string token) =>
        Collection + "/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)));

    private static ProblemException NotFound() => ProblemException.NotFound("No keystore download exists for this token.");

    private static ProblemException Gone(string detail) => new(StatusCodes.Status410Gone, ProblemCodes.Gone, detail);
}
