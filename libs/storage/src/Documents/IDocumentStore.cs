namespace PocketCode.Storage.Documents;

/// <summary>
/// The document-database port (DESIGN.md §3). Paths alternate collection and document ids:
/// <c>users/u1</c>, <c>marketplace_assets/a1/versions/1.0.0</c>. Field values are limited to the
/// types <see cref="DocumentValues"/> accepts; <see cref="FieldValue"/> sentinels request atomic
/// server-side transforms.
/// </summary>
public interface IDocumentStore : IStoreProbe
{
    /// <summary>Reads one document; <c>null</c> when it does not exist.</summary>
    Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Creates a document; throws <see cref="DocumentAlreadyExistsException"/> when present.</summary>
    Task<WriteResult> CreateAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default);

    /// <summary>Creates or replaces a whole document.</summary>
    Task<WriteResult> SetAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default);

    /// <summary>
    /// Changes the named fields of an existing document. Keys are field paths (<c>a.b</c> for nested
    /// maps). Throws <see cref="DocumentNotFoundException"/> when the document is missing and
    /// <see cref="PreconditionFailedException"/> when <paramref name="precondition"/> does not hold.
    /// </summary>
    Task<WriteResult> UpdateAsync(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a document (no error when absent unless a precondition says it must exist).</summary>
    Task DeleteAsync(string path, Precondition? precondition = null, CancellationToken cancellationToken = default);

    /// <summary>Runs a query over one collection.</summary>
    Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs <paramref name="work"/> as a serializable read-write transaction: reads first, then
    /// buffered writes committed atomically. On contention the whole function runs again, so it
    /// must have no side effects beyond the transaction.
    /// </summary>
    Task<T> RunTransactionAsync<T>(Func<IDocumentTransaction, CancellationToken, Task<T>> work, TransactionOptions? options = null, CancellationToken cancellationToken = default);
}

/// <summary>The view of the store inside <see cref="IDocumentStore.RunTransactionAsync{T}"/>.</summary>
public interface IDocumentTransaction
{
    Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default);

    Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default);

    void Create(string path, IReadOnlyDictionary<string, object?> data);

    void Set(string path, IReadOnlyDictionary<string, object?> data);

    void Update(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null);

    void Delete(string path, Precondition? precondition = null);
}

public sealed record TransactionOptions
{
    /// <summary>How many times the function may run before contention is reported to the caller.</summary>
    public int MaxAttempts { get; init; } = 30;

    public static TransactionOptions Default { get; } = new();
}

public sealed record WriteResult(DateTimeOffset UpdateTime);

/// <summary>A condition the stored document must meet for a write to apply.</summary>
public sealed record Precondition
{
    private Precondition(bool? exists, DateTimeOffset? updateTime)
    {
        Exists = exists;
        UpdateTime = updateTime;
    }

    public bool? Exists { get; }

    public DateTimeOffset? UpdateTime { get; }

    public static Precondition MustExist { get; } = new(true, null);

    public static Precondition MustNotExist { get; } = new(false, null);

    /// <summary>Optimistic concurrency: the document was last written at exactly this time.</summary>
    public static Precondition LastUpdatedAt(DateTimeOffset updateTime) => new(null, updateTime);
}
