using System.Security.Cryptography;
using PocketCode.Accounts.Users;
using PocketCode.Storage.Documents;

namespace PocketCode.Accounts.Credentials;

/// <summary>Options of <see cref="CredentialVault.StoreAsync"/>.</summary>
public sealed record CredentialWriteOptions
{
    /// <summary>When false, storing over an existing credential of the kind throws <see cref="CredentialAlreadyStoredException"/>.</summary>
    public bool ReplaceExisting { get; init; } = true;

    /// <summary>Further writes committed atomically with the credential (e.g. a download token).</summary>
    public Action<IDocumentTransaction, CredentialSummary>? AlsoInTransaction { get; init; }
}

/// <summary>A credential of that kind exists and the write asked not to replace it.</summary>
public sealed class CredentialAlreadyStoredException : Exception
{
    public CredentialAlreadyStoredException(string kind)
        : base($"A '{kind}' credential is already stored.")
    {
        Kind = kind;
    }

    public CredentialAlreadyStoredException()
        : this("unknown")
    {
    }

    public CredentialAlreadyStoredException(string message, Exception innerException)
        : base(message, innerException)
    {
        Kind = "unknown";
    }

    public string Kind { get; }
}

/// <summary>
/// Users' credentials at rest (DESIGN.md §3, §4): each one encrypted in <c>users/{uid}</c> under
/// <c>credentials.{kind}</c>. The BFF stores, lists and deletes them; the API proxy and build
/// pipeline read them with <see cref="GetSecretAsync"/>. Every call is scoped to one uid, which is
/// also bound into the ciphertext, so a record moved to another user does not decrypt.
/// </summary>
public sealed class CredentialVault(IDocumentStore store, CredentialCipher cipher, TimeProvider clock)
{
    private const string CredentialsField = UserDocuments.Credentials;

    private static string UserPath(string uid) => UserDocuments.PathOf(uid);

    /// <summary>The stored record of a kind in a user document, or null.</summary>
    public static IReadOnlyDictionary<string, object?>? FindRecord(DocumentSnapshot? user, string kind) =>
        user?.GetMap(CredentialsField) is { } credentials && credentials.GetValueOrDefault(kind) is IReadOnlyDictionary<string, object?> record
            ? record
            : null;

    /// <summary>
    /// Encrypts and stores a credential (creating the user document if needed) and returns its
    /// summary. <paramref name="secretFields"/> are encrypted; <paramref name="details"/> are stored
    /// in the clear for listing, so they must not be secret.
    /// </summary>
    public async Task<CredentialSummary> StoreAsync(
        string uid,
        string kind,
        IReadOnlyDictionary<string, string> secretFields,
        IReadOnlyDictionary<string, object?>? details = null,
        CredentialWriteOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        EnsureKind(kind);
        ArgumentNullException.ThrowIfNull(secretFields);
        var path = UserPath(uid);
        options ??= new CredentialWriteOptions();

        var plaintext = CredentialSecret.Serialize(secretFields);
        EncryptedCredential encrypted;
        string fingerprint;
        try
        {
            encrypted = cipher.Encrypt(uid, kind, plaintext);
            fingerprint = cipher.Fingerprint(uid, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }

        var descriptors = details ?? new Dictionary<string, object?>();
        return await store.RunTransactionAsync(async (transaction, ct) =>
        {
            var user = await transaction.GetAsync(path, ct);
            var existing = FindRecord(user, kind);
            if (existing is not null && !options.ReplaceExisting)
            {
                throw new CredentialAlreadyStoredException(kind);
            }

            var now = clock.GetUtcNow();
            var createdAt = existing?.GetValueOrDefault(CredentialRecordMapper.CreatedAt) as DateTimeOffset? ?? now;
            var record = CredentialRecordMapper.ToDocument(encrypted, fingerprint, createdAt, now, descriptors);
            if (user is null)
            {
                transaction.Create(path, new Dictionary<string, object?>
                {
                    [CredentialsField] = new Dictionary<string, object?> { [kind] = record },
                });
            }
            else
            {
                transaction.Update(path, new Dictionary<string, object?> { [CredentialsField + "." + kind] = record });
            }

            var summary = CredentialRecordMapper.ToSummary(kind, DocumentValues.NormalizeMap(record), readable: true);
            options.AlsoInTransaction?.Invoke(transaction, summary);
            return summary;
        }, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// The decrypted credential of a kind, or null when none is stored. Throws
    /// <see cref="CredentialDecryptionException"/> when the stored record does not decrypt for this
    /// uid and kind.
    /// </summary>
    public async Task<CredentialSecret?> GetSecretAsync(string uid, string kind, CancellationToken cancellationToken = default)
    {
        EnsureKind(kind);
        var user = await store.GetAsync(UserPath(uid), cancellationToken);
        return FindRecord(user, kind) is { } record ? Open(uid, kind, record) : null;
    }

    /// <summary>Decrypts a record read by the caller (e.g. inside its own transaction).</summary>
    public CredentialSecret Open(string uid, string kind, IReadOnlyDictionary<string, object?> record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var plaintext = cipher.Decrypt(uid, kind, CredentialRecordMapper.ToEncrypted(kind, record));
        try
        {
            return CredentialSecret.Deserialize(kind, plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Summaries of the kinds that are set, in <see cref="CredentialKinds.All"/> order, each checked to decrypt.</summary>
    public async Task<IReadOnlyList<CredentialSummary>> ListAsync(string uid, CancellationToken cancellationToken = default)
    {
        var user = await store.GetAsync(UserPath(uid), cancellationToken);
        var summaries = new List<CredentialSummary>();
        foreach (var kind in CredentialKinds.All)
        {
            if (FindRecord(user, kind) is { } record)
            {
                summaries.Add(CredentialRecordMapper.ToSummary(kind, record, IsReadable(uid, kind, record)));
            }
        }

        return summaries;
    }

    /// <summary>The summary of one kind, or null when it is not set.</summary>
    public async Task<CredentialSummary?> FindAsync(string uid, string kind, CancellationToken cancellationToken = default)
    {
        EnsureKind(kind);
        var user = await store.GetAsync(UserPath(uid), cancellationToken);
        return FindRecord(user, kind) is { } record
            ? CredentialRecordMapper.ToSummary(kind, record, IsReadable(uid, kind, record))
            : null;
    }

    /// <summary>Removes a credential; false when none of that kind was stored.</summary>
    public Task<bool> DeleteAsync(string uid, string kind, CancellationToken cancellationToken = default)
    {
        EnsureKind(kind);
        var path = UserPath(uid);
        return store.RunTransactionAsync(async (transaction, ct) =>
        {
            var user = await transaction.GetAsync(path, ct);
            if (FindRecord(user, kind) is null)
            {
                return false;
            }

            transaction.Update(path, new Dictionary<string, object?> { [CredentialsField + "." + kind] = FieldValue.Delete });
            return true;
        }, cancellationToken: cancellationToken);
    }

    private bool IsReadable(string uid, string kind, IReadOnlyDictionary<string, object?> record)
    {
        try
        {
            _ = Open(uid, kind, record);
            return true;
        }
        catch (CredentialDecryptionException)
        {
            return false;
        }
    }

    private static void EnsureKind(string kind)
    {
        if (!CredentialKinds.IsKnown(kind))
        {
            throw new ArgumentException($"'{kind}' is not a credential kind; expected one of {string.Join(", ", CredentialKinds.All)}.", nameof(kind));
        }
    }
}
