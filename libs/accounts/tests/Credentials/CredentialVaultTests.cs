using System.Text;
using Microsoft.Data.Sqlite;
using PocketCode.Accounts.Credentials;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Sqlite;

namespace PocketCode.Accounts.Tests.Credentials;

/// <summary>The vault over the real embedded document store (a SQLite file).</summary>
public sealed class CredentialVaultTests : IDisposable
{
    private const string GeminiKey = "AIzaSyD-vault-test-secret-0123456789";
    private readonly string _directory = Directory.CreateTempSubdirectory("pocketcode-vault-").FullName;
    private readonly SqliteDocumentStore _store;
    private readonly CredentialVault _vault;

    public CredentialVaultTests()
    {
        _store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(_directory, "documents.db") });
        _vault = new CredentialVault(_store, SecretsTestKeys.Cipher(SecretsTestKeys.RandomEntry("k1")), TimeProvider.System);
    }

    [Fact]
    public async Task A_stored_credential_decrypts_for_its_owner_only_and_lists_without_its_secret()
    {
        var stored = await _vault.StoreAsync("alice", CredentialKinds.Gemini, new Dictionary<string, string> { ["apiKey"] = GeminiKey }, cancellationToken: Ct);

        var summary = Assert.Single(await _vault.ListAsync("alice", Ct));
        Assert.Equal(CredentialKinds.Gemini, summary.Kind);
        Assert.Equal(stored.Fingerprint, summary.Fingerprint);
        Assert.True(summary.Readable);

        var secret = await _vault.GetSecretAsync("alice", CredentialKinds.Gemini, Ct);
        Assert.Equal(GeminiKey, secret!["apiKey"].Reveal());
        Assert.DoesNotContain(GeminiKey, secret.ToString(), StringComparison.Ordinal);

        Assert.Null(await _vault.GetSecretAsync("bob", CredentialKinds.Gemini, Ct));
        Assert.Empty(await _vault.ListAsync("bob", Ct));
    }

    [Fact]
    public async Task The_document_and_the_database_file_hold_no_plaintext()
    {
        await _vault.StoreAsync("alice", CredentialKinds.Gemini, new Dictionary<string, string> { ["apiKey"] = GeminiKey }, cancellationToken: Ct);

        var user = await _store.GetAsync("users/alice", Ct);
        var record = CredentialVault.FindRecord(user, CredentialKinds.Gemini)!;
        Assert.Equal(["ciphertext", "createdAt", "details", "fingerprint", "keyId", "nonce", "updatedAt"], record.Keys.Order(StringComparer.Ordinal));
        Assert.IsType<byte[]>(record["ciphertext"]);

        SqliteConnection.ClearAllPools();
        foreach (var file in Directory.EnumerateFiles(_directory))
        {
            var bytes = await File.ReadAllBytesAsync(file, Ct);
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(GeminiKey)), $"{Path.GetFileName(file)} holds the key in UTF-8");
            Assert.False(Contains(bytes, Encoding.UTF8.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(GeminiKey))[..24])), $"{Path.GetFileName(file)} holds the key as base64");
        }
    }

    [Fact]
    public async Task A_record_copied_into_another_users_document_or_kind_does_not_decrypt()
    {
        await _vault.StoreAsync("alice", CredentialKinds.GitHub, new Dictionary<string, string> { ["token"] = "ghp_alicetoken123" }, cancellationToken: Ct);
        var record = CredentialVault.FindRecord(await _store.GetAsync("users/alice", Ct), CredentialKinds.GitHub)!;

        await _store.SetAsync("users/mallory", new Dictionary<string, object?> { ["credentials"] = new Dictionary<string, object?> { ["github"] = record, ["gemini"] = record } }, Ct);

        var moved = await Assert.ThrowsAsync<CredentialDecryptionException>(() => _vault.GetSecretAsync("mallory", CredentialKinds.GitHub, Ct));
        Assert.Equal(CredentialDecryptionFailure.Tampered, moved.Failure);
        await Assert.ThrowsAsync<CredentialDecryptionException>(() => _vault.GetSecretAsync("mallory", CredentialKinds.Gemini, Ct));
        Assert.All(await _vault.ListAsync("mallory", Ct), s => Assert.False(s.Readable));
    }

    [Fact]
    public async Task Replacing_keeps_createdAt_and_can_be_refused()
    {
        var first = await _vault.StoreAsync("alice", CredentialKinds.GitHub, new Dictionary<string, string> { ["token"] = "ghp_one11111" }, cancellationToken: Ct);
        var second = await _vault.StoreAsync("alice", CredentialKinds.GitHub, new Dictionary<string, string> { ["token"] = "ghp_two22222" }, cancellationToken: Ct);

        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.NotEqual(first.Fingerprint, second.Fingerprint);
        await Assert.ThrowsAsync<CredentialAlreadyStoredException>(() => _vault.StoreAsync(
            "alice", CredentialKinds.GitHub, new Dictionary<string, string> { ["token"] = "ghp_three333" }, options: new CredentialWriteOptions { ReplaceExisting = false }, cancellationToken: Ct));
        Assert.Equal("ghp_two22222", (await _vault.GetSecretAsync("alice", CredentialKinds.GitHub, Ct))!["token"].Reveal());
    }

    [Fact]
    public async Task Extra_writes_commit_with_the_credential_and_delete_removes_one_kind()
    {
        await _vault.StoreAsync("alice", CredentialKinds.Gemini, new Dictionary<string, string> { ["apiKey"] = GeminiKey }, cancellationToken: Ct);
        await _vault.StoreAsync(
            "alice",
            CredentialKinds.Keystore,
            new Dictionary<string, string> { ["keystore"] = "AAAA" },
            new Dictionary<string, object?> { ["alias"] = "upload" },
            new CredentialWriteOptions { AlsoInTransaction = (tx, summary) => tx.Create("credential_downloads/t1", new Dictionary<string, object?> { ["fingerprint"] = summary.Fingerprint }) },
            Ct);

        Assert.NotNull(await _store.GetAsync("credential_downloads/t1", Ct));
        Assert.Equal(["gemini", "keystore"], (await _vault.ListAsync("alice", Ct)).Select(s => s.Kind));
        Assert.Equal("upload", (await _vault.FindAsync("alice", CredentialKinds.Keystore, Ct))!.Details["alias"]);

        Assert.True(await _vault.DeleteAsync("alice", CredentialKinds.Gemini, Ct));
        Assert.False(await _vault.DeleteAsync("alice", CredentialKinds.Gemini, Ct));
        Assert.Equal(["keystore"], (await _vault.ListAsync("alice", Ct)).Select(s => s.Kind));
    }

    [Fact]
    public async Task Unknown_kinds_are_refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _vault.StoreAsync("alice", "credentials.x", new Dictionary<string, string>(), cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => _vault.GetSecretAsync("alice", "aws", Ct));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static bool Contains(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
