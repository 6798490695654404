using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using PocketCode.Accounts.Credentials;
using PocketCode.Accounts.Users;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Sqlite;

namespace PocketCode.HotPaths.Bench;

/// <summary>
/// Credential decryption as the API proxy does it for every call with a user's own key: the
/// vault's <see cref="CredentialVault.Open"/> of a stored record (AES-256-GCM with the uid/kind/key-id
/// associated data, then the JSON fields), and the whole <see cref="CredentialVault.GetSecretAsync"/>
/// including the SQLite read of the user document.
/// </summary>
[MemoryDiagnoser]
public class CredentialBenchmarks
{
    private const string Uid = "bench-user";
    private string folder = null!;
    private CredentialVault vault = null!;
    private IReadOnlyDictionary<string, object?> record = null!;

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("pocketcode-hotpaths-vault-").FullName;
        var store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(folder, "documents.db") });
        var keys = CredentialKeyRing.Parse("bench:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(CredentialKeyRing.KeySizeBytes)));
        vault = new CredentialVault(store, new CredentialCipher(keys), TimeProvider.System);
        vault.StoreAsync(Uid, CredentialKinds.Gemini, new Dictionary<string, string> { [CredentialKinds.Fields.ApiKey] = "AIzaSy" + new string('x', 33) })
            .GetAwaiter().GetResult();
        var user = store.GetAsync(UserDocuments.PathOf(Uid)).GetAwaiter().GetResult();
        record = CredentialVault.FindRecord(user, CredentialKinds.Gemini) ?? throw new InvalidOperationException("No record stored.");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark]
    public int Open() => vault.Open(Uid, CredentialKinds.Gemini, record).Fields.Count;

    [Benchmark]
    public async Task<int> GetSecretAsync() => (await vault.GetSecretAsync(Uid, CredentialKinds.Gemini))!.Fields.Count;
}
