using PocketCode.Storage.Documents;

namespace PocketCode.Accounts.Credentials;

/// <summary>What may be shown about a stored credential: never the secret.</summary>
/// <param name="Details">Non-secret descriptors (keystore alias, service-account e-mail, base URL).</param>
/// <param name="Readable">Whether the record decrypts with the configured keys for this user and kind.</param>
public sealed record CredentialSummary(
    string Kind,
    string Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyDictionary<string, object?> Details,
    bool Readable = true);

/// <summary>
/// The stored form of one credential, the value of <c>users/{uid}.credentials.{kind}</c>:
/// <c>{keyId, nonce, ciphertext, fingerprint, createdAt, updatedAt, details}</c>, where
/// <c>nonce</c> and <c>ciphertext</c> (ciphertext‖GCM tag) are bytes and <c>details</c> holds the
/// non-secret descriptors. Mapped by hand, field by field, so the layout is explicit.
/// </summary>
internal static class CredentialRecordMapper
{
    public const string KeyId = "keyId";
    public const string Nonce = "nonce";
    public const string Ciphertext = "ciphertext";
    public const string Fingerprint = "fingerprint";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string Details = "details";

    public static Dictionary<string, object?> ToDocument(EncryptedCredential encrypted, string fingerprint, DateTimeOffset createdAt, DateTimeOffset updatedAt, IReadOnlyDictionary<string, object?> details) =>
        new(StringComparer.Ordinal)
        {
            [KeyId] = encrypted.KeyId,
            [Nonce] = encrypted.Nonce,
            [Ciphertext] = encrypted.Ciphertext,
            [Fingerprint] = fingerprint,
            [CreatedAt] = createdAt,
            [UpdatedAt] = updatedAt,
            [Details] = DocumentValues.NormalizeMap(details),
        };

    public static EncryptedCredential ToEncrypted(string kind, IReadOnlyDictionary<string, object?> record) =>
        record.GetValueOrDefault(KeyId) is string keyId
        && record.GetValueOrDefault(Nonce) is byte[] nonce
        && record.GetValueOrDefault(Ciphertext) is byte[] ciphertext
            ? new EncryptedCredential(keyId, nonce, ciphertext)
            : throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Malformed);

    public static CredentialSummary ToSummary(string kind, IReadOnlyDictionary<string, object?> record, bool readable) => new(
        kind,
        record.GetValueOrDefault(Fingerprint) as string ?? string.Empty,
        record.GetValueOrDefault(CreatedAt) as DateTimeOffset? ?? DateTimeOffset.UnixEpoch,
        record.GetValueOrDefault(UpdatedAt) as DateTimeOffset? ?? DateTimeOffset.UnixEpoch,
        record.GetValueOrDefault(Details) as IReadOnlyDictionary<string, object?> ?? new Dictionary<string, object?>(),
        readable);
}
