using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PocketCode.Storage.Documents;
using V1 = Google.Cloud.Firestore.V1;

namespace PocketCode.Storage.Firestore;

/// <summary>
/// The <see cref="IDocumentStore"/> port on Cloud Firestore (native mode), over gRPC with a client
/// generated from Google's .proto files. Against production it uses TLS and an access token from an
/// <see cref="IAccessTokenSource"/> (the metadata server by default); against the emulator, plain HTTP/2 and the emulator's owner token.
/// </summary>
public sealed partial class FirestoreDocumentStore : IDocumentStore, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan InitialUnavailableBackoff = TimeSpan.FromMilliseconds(100);
    private const int MaxUnavailableAttempts = 5;
    // Without a deadline a call on a silently dead connection would wait forever.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);
    // A single non-transactional commit only aborts under heavy lock contention on one document.
    private const int MaxPlainWriteAttempts = 30;

    // Beyond this many documents a transaction is a bulk job; serializing on all of them would cost more than it saves.
    private const int MaxGatedPaths = 64;

    private readonly DocumentGate _retryGate = new();
    private readonly FirestoreChannel _channel;
    private readonly V1.Firestore.FirestoreClient _client;
    private readonly ILogger _logger;
    private readonly string _databaseName;
    private readonly string _documentsRoot;

    public FirestoreDocumentStore(FirestoreStoreOptions options, ILogger<FirestoreDocumentStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProjectId);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabaseId);
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _databaseName = $"projects/{options.ProjectId}/databases/{options.DatabaseId}";
        _documentsRoot = _databaseName + "/documents";
        Writes = new FirestoreWrites(_documentsRoot);
        _channel = new FirestoreChannel(options, _databaseName);
        _client = _channel.Client;
    }

    internal FirestoreWrites Writes { get; }

    public Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        DocumentPaths.ValidateDocumentPath(path);
        return GetCoreAsync(path, transaction: null, cancellationToken);
    }

    public Task<WriteResult> CreateAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        WriteAsync(Writes.Create(path, data), cancellationToken);

    public Task<WriteResult> SetAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        WriteAsync(Writes.Set(path, data), cancellationToken);

    public Task<WriteResult> UpdateAsync(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        WriteAsync(Writes.Update(path, fields, precondition), cancellationToken);

    public Task DeleteAsync(string path, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        WriteAsync(Writes.Delete(path, precondition), cancellationToken);

    public Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default) =>
        QueryCoreAsync(query, transaction: null, cancellationToken);

    public async Task<T> RunTransactionAsync<T>(Func<IDocumentTransaction, CancellationToken, Task<T>> work, TransactionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var maxAttempts = Math.Max(1, (options ?? TransactionOptions.Default).MaxAttempts);
        var backoff = InitialBackoff;
        ByteString? previous = null;
        List<string> contended = [];
        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using var lease = contended.Count == 0 ? null : await _retryGate.EnterAsync(contended, cancellationToken);
            var transaction = new FirestoreTransaction(this, await BeginTransactionAsync(previous, cancellationToken));
            var committing = false;
            try
            {
                var result = await work(transaction, cancellationToken);
                committing = true;
                await CommitAsync(transaction.Writes, transaction.Id, cancellationToken);
                return result;
            }
            catch (Exception ex) when (transaction.Aborted || FirestoreErrors.IsAborted(ex))
            {
                // An aborted commit has already ended the transaction; an aborted read leaves its locks
                // held until we let go.
                if (!committing)
                {
                    await RollbackQuietlyAsync(transaction.Id);
                }

                if (attempt >= maxAttempts)
                {
                    LogTransactionGaveUp(attempt);
                    throw new TransactionContentionException(attempt, ex);
                }

                var delay = NextBackoff(ref backoff);
                LogTransactionRetry(attempt, delay.TotalMilliseconds);
                // Retrying with the old id keeps the transaction's place in line for the locks.
                previous = transaction.Id;
                contended = transaction.TouchedPaths.Take(MaxGatedPaths).ToList();
                lease?.Dispose();
                await Task.Delay(delay, cancellationToken);
            }
            catch
            {
                // Also after a failed commit: if the failure left the outcome unknown, the transaction
                // would otherwise hold its locks until the server expires it.
                await RollbackQuietlyAsync(transaction.Id);
                throw;
            }
        }
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        var request = new V1.ListCollectionIdsRequest { Parent = _documentsRoot, PageSize = 1 };
        try
        {
            await ReadWithRetryAsync(async options => await _client.ListCollectionIdsAsync(request, options), cancellationToken);
        }
        catch (RpcException ex)
        {
            throw FirestoreErrors.Translate(ex);
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Also synchronous, so a service provider disposed without <c>await</c> can release it.</summary>
    public void Dispose() => _channel.Dispose();

    internal async Task<DocumentSnapshot?> GetCoreAsync(string path, ByteString? transaction, CancellationToken cancellationToken)
    {
        // BatchGet rather than GetDocument: a missing document is an ordinary answer, not an error,
        // and inside a transaction the read still locks the (absent) document.
        var request = new V1.BatchGetDocumentsRequest { Database = _databaseName, Documents = { Writes.DocumentName(path) } };
        if (transaction is not null)
        {
            request.Transaction = transaction;
        }

        try
        {
            var found = await ReadWithRetryAsync(async options =>
            {
                using var call = _client.BatchGetDocuments(request, options);
                V1.Document? document = null;
                await foreach (var response in call.ResponseStream.ReadAllAsync(options.CancellationToken))
                {
                    if (response.ResultCase == V1.BatchGetDocumentsResponse.ResultOneofCase.Found)
                    {
                        document = response.Found;
                    }
                }

                return document;
            }, cancellationToken);
            return found is null ? null : ToSnapshot(found);
        }
        catch (RpcException ex)
        {
            throw FirestoreErrors.Translate(ex);
        }
    }

    internal async Task<QueryResult> QueryCoreAsync(DocumentQuery query, ByteString? transaction, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        query.StartAfterCursor?.EnsureMatches(query);
        var request = FirestoreQueries.ToRequest(query, _documentsRoot);
        if (transaction is not null)
        {
            request.Transaction = transaction;
        }

        List<DocumentSnapshot> documents;
        try
        {
            documents = await ReadWithRetryAsync(async options =>
            {
                using var call = _client.RunQuery(request, options);
                var found = new List<DocumentSnapshot>();
                await foreach (var response in call.ResponseStream.ReadAllAsync(options.CancellationToken))
                {
                    if (response.Document is not null)
                    {
                        found.Add(ToSnapshot(response.Document));
                    }
                }

                return found;
            }, cancellationToken);
        }
        catch (RpcException ex)
        {
            throw FirestoreErrors.Translate(ex);
        }

        // The query asked for one extra document only to learn whether another page exists.
        if (query.Limit is { } limit && documents.Count > limit)
        {
            documents.RemoveRange(limit, documents.Count - limit);
            return new QueryResult(documents, query.CursorAfter(documents[^1]));
        }

        return new QueryResult(documents, null);
    }

    private async Task<WriteResult> WriteAsync(PendingWrite write, CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var response = await CommitAsync([write], transaction: null, cancellationToken);
                // A delete has no update time of its own; the commit time is when it happened.
                var time = response.WriteResults.Count > 0 && response.WriteResults[0].UpdateTime is { } updateTime ? updateTime : response.CommitTime;
                return new WriteResult(time.ToDateTimeOffset());
            }
            catch (DocumentStoreException ex) when (attempt < MaxPlainWriteAttempts && FirestoreErrors.IsAborted(ex))
            {
                // ABORTED means nothing was applied, so even an increment can be sent again.
                var delay = NextBackoff(ref backoff);
                LogWriteRetry(write.Path, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private async Task<V1.CommitResponse> CommitAsync(IReadOnlyList<PendingWrite> writes, ByteString? transaction, CancellationToken cancellationToken)
    {
        var request = new V1.CommitRequest { Database = _databaseName };
        request.Writes.AddRange(writes.Select(w => w.Write));
        if (transaction is not null)
        {
            request.Transaction = transaction;
        }

        try
        {
            return await _client.CommitAsync(request, CallOptionsFor(cancellationToken));
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.AlreadyExists or StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            throw await FirestoreErrors.ExplainPreconditionFailureAsync(ex, writes, (path, token) => GetCoreAsync(path, transaction: null, token), cancellationToken);
        }
        catch (RpcException ex)
        {
            throw FirestoreErrors.Translate(ex);
        }
    }

    private async Task<ByteString> BeginTransactionAsync(ByteString? retrying, CancellationToken cancellationToken)
    {
        var readWrite = new V1.TransactionOptions.Types.ReadWrite();
        if (retrying is not null)
        {
            readWrite.RetryTransaction = retrying;
        }

        var request = new V1.BeginTransactionRequest { Database = _databaseName, Options = new V1.TransactionOptions { ReadWrite = readWrite } };
        try
        {
            var response = await ReadWithRetryAsync(async options => await _client.BeginTransactionAsync(request, options), cancellationToken);
            return response.Transaction;
        }
        catch (RpcException ex)
        {
            throw FirestoreErrors.Translate(ex);
        }
    }

    private async Task RollbackQuietlyAsync(ByteString transaction)
    {
        try
        {
            // Not the caller's token: a cancelled caller is exactly when the locks must still be released.
            await _client.RollbackAsync(new V1.RollbackRequest { Database = _databaseName, Transaction = transaction }, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)));
        }
        catch (RpcException ex)
        {
            LogRollbackFailed(ex);
        }
    }

    /// <summary>Retries calls that change nothing when the service is briefly unreachable.</summary>
    private async Task<T> ReadWithRetryAsync<T>(Func<CallOptions, Task<T>> call, CancellationToken cancellationToken)
    {
        var backoff = InitialUnavailableBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(CallOptionsFor(cancellationToken));
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && attempt < MaxUnavailableAttempts)
            {
                var delay = NextBackoff(ref backoff);
                LogUnavailableRetry(attempt, delay.TotalMilliseconds, ex.Status.Detail);
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // Not the caller's cancellation: the call's deadline or a connection given up while the
                // service was unreachable (seen while the emulator was stopped). An outage, not a bug.
                throw new DocumentStoreUnavailableException("Firestore did not answer the read.", ex);
            }
        }
    }

    private static CallOptions CallOptionsFor(CancellationToken cancellationToken) =>
        new(deadline: DateTime.UtcNow.Add(CallTimeout), cancellationToken: cancellationToken);

    /// <summary>
    /// Exponential backoff with jitter: contenders that collided once spread out instead of
    /// colliding again in lockstep.
    /// </summary>
    private static TimeSpan NextBackoff(ref TimeSpan backoff)
    {
        var ceiling = backoff;
        backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromTicks((long)(ceiling.Ticks * (0.1 + (0.9 * Random.Shared.NextDouble()))));
#pragma warning restore CA5394
    }

    private DocumentSnapshot ToSnapshot(V1.Document document) => new(
        document.Name[(_documentsRoot.Length + 1)..],
        FirestoreValues.FromFields(document.Fields),
        document.CreateTime.ToDateTimeOffset(),
        document.UpdateTime.ToDateTimeOffset());

    [LoggerMessage(Level = LogLevel.Debug, Message = "Firestore transaction attempt {Attempt} hit contention; retrying in {DelayMs:F0} ms")]
    private partial void LogTransactionRetry(int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Firestore transaction gave up after {Attempts} attempts under contention")]
    private partial void LogTransactionGaveUp(int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Firestore write to {Path} aborted (attempt {Attempt}); retrying in {DelayMs:F0} ms")]
    private partial void LogWriteRetry(string path, int attempt, double delayMs);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Firestore unavailable (attempt {Attempt}); retrying in {DelayMs:F0} ms: {Detail}")]
    private partial void LogUnavailableRetry(int attempt, double delayMs, string detail);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Firestore transaction rollback failed; the server releases it when it expires")]
    private partial void LogRollbackFailed(Exception exception);
}
