using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Sqlite;

/// <summary>Records what a transaction read (path → update ticks, 0 when absent) and buffers its writes.</summary>
internal sealed class SqliteDocumentTransaction(SqliteDocumentStore store) : IDocumentTransaction
{
    private readonly Dictionary<string, long> _readVersions = new(StringComparer.Ordinal);
    private readonly List<PendingWrite> _writes = [];

    public IReadOnlyDictionary<string, long> ReadVersions => _readVersions;

    public IReadOnlyList<PendingWrite> Writes => _writes;

    public Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        DocumentPaths.ValidateDocumentPath(path);
        EnsureNoWritesYet();
        var snapshot = store.ReadForTransaction(path);
        Record(path, snapshot);
        return Task.FromResult(snapshot);
    }

    public Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default)
    {
        EnsureNoWritesYet();
        var result = store.QueryForTransaction(query);
        foreach (var document in result.Documents)
        {
            Record(document.Path, document);
        }

        return Task.FromResult(result);
    }

    public void Create(string path, IReadOnlyDictionary<string, object?> data) => _writes.Add(PendingWrite.Create(path, data));

    public void Set(string path, IReadOnlyDictionary<string, object?> data) => _writes.Add(PendingWrite.Set(path, data));

    public void Update(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null) => _writes.Add(PendingWrite.Update(path, fields, precondition));

    public void Delete(string path, Precondition? precondition = null) => _writes.Add(PendingWrite.Delete(path, precondition));

    private void Record(string path, DocumentSnapshot? snapshot)
    {
        var version = snapshot?.UpdateTime.UtcTicks ?? 0;
        if (_readVersions.TryGetValue(path, out var earlier) && earlier != version)
        {
            // Two reads of one document disagree: a writer slipped in between, so the commit must fail.
            version = -1;
        }

        _readVersions[path] = version;
    }

    private void EnsureNoWritesYet()
    {
        if (_writes.Count > 0)
        {
            throw new InvalidOperationException("A transaction must do all its reads before its writes, as Firestore requires.");
        }
    }
}
