using Google.Protobuf;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Firestore;

/// <summary>One attempt of a read-write transaction: reads go to the server with the transaction id, writes are buffered for the commit.</summary>
internal sealed class FirestoreTransaction(FirestoreDocumentStore store, ByteString id) : IDocumentTransaction
{
    private readonly List<PendingWrite> _writes = [];
    private readonly HashSet<string> _readPaths = new(StringComparer.Ordinal);

    public ByteString Id => id;

    public IReadOnlyList<PendingWrite> Writes => _writes;

    /// <summary>The documents this attempt read or wrote: the ones a retry is likely to collide on again.</summary>
    public IEnumerable<string> TouchedPaths
    {
        get
        {
            lock (_readPaths)
            {
                return _readPaths.Concat(_writes.Select(w => w.Path)).ToList();
            }
        }
    }

    /// <summary>
    /// Set when a read was aborted by contention, so the attempt is retried even if the function caught
    /// or wrapped the exception.
    /// </summary>
    public bool Aborted { get; private set; }

    public async Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        DocumentPaths.ValidateDocumentPath(path);
        EnsureNoWritesYet();
        Touch([path]);
        try
        {
            return await store.GetCoreAsync(path, id, cancellationToken);
        }
        catch (DocumentStoreException ex) when (FirestoreErrors.IsAborted(ex))
        {
            Aborted = true;
            throw;
        }
    }

    public async Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default)
    {
        EnsureNoWritesYet();
        try
        {
            var result = await store.QueryCoreAsync(query, id, cancellationToken);
            Touch(result.Documents.Select(d => d.Path));
            return result;
        }
        catch (DocumentStoreException ex) when (FirestoreErrors.IsAborted(ex))
        {
            Aborted = true;
            throw;
        }
    }

    public void Create(string path, IReadOnlyDictionary<string, object?> data) => _writes.Add(store.Writes.Create(path, data));

    public void Set(string path, IReadOnlyDictionary<string, object?> data) => _writes.Add(store.Writes.Set(path, data));

    public void Update(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null) =>
        _writes.Add(store.Writes.Update(path, fields, precondition));

    public void Delete(string path, Precondition? precondition = null) => _writes.Add(store.Writes.Delete(path, precondition));

    private void Touch(IEnumerable<string> paths)
    {
        // Reads may run in parallel inside one transaction function.
        lock (_readPaths)
        {
            _readPaths.UnionWith(paths);
        }
    }

    private void EnsureNoWritesYet()
    {
        if (_writes.Count > 0)
        {
            // Firestore reads see the state before the transaction, never its own buffered writes.
            throw new InvalidOperationException("A transaction must do all its reads before its writes, as Firestore requires.");
        }
    }
}
