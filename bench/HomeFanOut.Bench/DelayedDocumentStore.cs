using PocketCode.Storage.Documents;

namespace PocketCode.HomeFanOut.Bench;

/// <summary>The artificial latency of each downstream the home screen reads, changeable between runs.</summary>
internal sealed class Delays
{
    public TimeSpan Profile { get; set; }

    public TimeSpan Projects { get; set; }

    public TimeSpan Builds { get; set; }

    public TimeSpan Marketplace { get; set; }

    public TimeSpan Slowest => new[] { Profile, Projects, Builds, Marketplace }.Max();

    public TimeSpan Sum => Profile + Projects + Builds + Marketplace;
}

/// <summary>
/// Bench-only decorator of the document-store port: the home screen's three store reads (the
/// profile document, the recent-projects query, the recent-builds query) each wait their
/// configured delay first, as a remote database would. Everything else passes straight through.
/// </summary>
internal sealed class DelayedDocumentStore(IDocumentStore inner, Delays delays) : IDocumentStore
{
    public async Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        if (path.StartsWith("users/", StringComparison.Ordinal))
        {
            await DelayAsync(delays.Profile, cancellationToken);
        }

        return await inner.GetAsync(path, cancellationToken);
    }

    public async Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        await DelayAsync(query.CollectionPath switch
        {
            "projects" => delays.Projects,
            "builds" => delays.Builds,
            _ => TimeSpan.Zero,
        }, cancellationToken);
        return await inner.QueryAsync(query, cancellationToken);
    }

    public Task<WriteResult> CreateAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        inner.CreateAsync(path, data, cancellationToken);

    public Task<WriteResult> SetAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        inner.SetAsync(path, data, cancellationToken);

    public Task<WriteResult> UpdateAsync(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        inner.UpdateAsync(path, fields, precondition, cancellationToken);

    public Task DeleteAsync(string path, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        inner.DeleteAsync(path, precondition, cancellationToken);

    public Task<T> RunTransactionAsync<T>(Func<IDocumentTransaction, CancellationToken, Task<T>> work, TransactionOptions? options = null, CancellationToken cancellationToken = default) =>
        inner.RunTransactionAsync(work, options, cancellationToken);

    public Task PingAsync(CancellationToken cancellationToken = default) => inner.PingAsync(cancellationToken);

    private static Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) =>
        delay > TimeSpan.Zero ? Task.Delay(delay, cancellationToken) : Task.CompletedTask;
}
