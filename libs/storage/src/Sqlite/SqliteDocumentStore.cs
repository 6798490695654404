using Microsoft.Data.Sqlite;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Sqlite;

public sealed class SqliteDocumentStoreOptions
{
    /// <summary>The database file; created with its folder when missing.</summary>
    public required string DatabasePath { get; init; }
}

/// <summary>
/// The embedded <see cref="IDocumentStore"/>: one SQLite file in WAL mode, safe for several
/// processes. Documents are JSON rows queried with SQLite's JSON functions; array elements are
/// mirrored into an indexed table for array-contains, and each query shape gets an expression index
/// on its equality and order fields, so pages of large collections do not scan them. Transactions are
/// optimistic like Firestore's contract demands: reads record versions, and the commit checks them
/// under SQLite's write lock, rerunning the function when another writer got there first.
/// </summary>
public sealed class SqliteDocumentStore : IDocumentStore
{
    private readonly string _connectionString;
    private readonly SqliteExpressionIndexes _expressionIndexes = new();

    public SqliteDocumentStore(SqliteDocumentStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _connectionString = ConnectionStringFor(options.DatabasePath);

        using var connection = Open();
        var hadArrayEntries = TableExists(connection, "document_array_entries");
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS documents (
                collection TEXT NOT NULL,
                id TEXT NOT NULL,
                data TEXT NOT NULL,
                create_time INTEGER NOT NULL,
                update_time INTEGER NOT NULL,
                PRIMARY KEY (collection, id)
            ) WITHOUT ROWID;
            CREATE TABLE IF NOT EXISTS commit_clock (id INTEGER PRIMARY KEY CHECK (id = 1), last_ticks INTEGER NOT NULL);
            INSERT OR IGNORE INTO commit_clock (id, last_ticks) VALUES (1, 0);
            CREATE TABLE IF NOT EXISTS document_array_entries (
                coll TEXT NOT NULL,
                field TEXT NOT NULL,
                value NOT NULL,
                type TEXT NOT NULL,
                doc_id TEXT NOT NULL,
                PRIMARY KEY (coll, field, value, type, doc_id)
            ) WITHOUT ROWID;
            CREATE INDEX IF NOT EXISTS document_array_entries_by_document ON document_array_entries (coll, doc_id);
            """);
        if (!hadArrayEntries)
        {
            BackfillArrayEntries(connection);
        }
    }

    /// <summary>
    /// How every user of the embedded file connects (this store and the embedded work queue), so all
    /// share its WAL journal and wait the same on each other's write lock; creates the folder.
    /// </summary>
    internal static string ConnectionStringFor(string databasePath)
    {
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        return new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
    }

    public Task<DocumentSnapshot?> GetAsync(string path, CancellationToken cancellationToken = default)
    {
        DocumentPaths.ValidateDocumentPath(path);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        return Task.FromResult(Read(connection, path));
    }

    public Task<WriteResult> CreateAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        CommitAsync([PendingWrite.Create(path, data)], null, cancellationToken);

    public Task<WriteResult> SetAsync(string path, IReadOnlyDictionary<string, object?> data, CancellationToken cancellationToken = default) =>
        CommitAsync([PendingWrite.Set(path, data)], null, cancellationToken);

    public Task<WriteResult> UpdateAsync(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        CommitAsync([PendingWrite.Update(path, fields, precondition)], null, cancellationToken);

    public Task DeleteAsync(string path, Precondition? precondition = null, CancellationToken cancellationToken = default) =>
        CommitAsync([PendingWrite.Delete(path, precondition)], null, cancellationToken);

    public Task<QueryResult> QueryAsync(DocumentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        return Task.FromResult(RunQuery(connection, query));
    }

    public async Task<T> RunTransactionAsync<T>(Func<IDocumentTransaction, CancellationToken, Task<T>> work, TransactionOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var maxAttempts = (options ?? TransactionOptions.Default).MaxAttempts;
        for (var attempt = 1; ; attempt++)
        {
            var transaction = new SqliteDocumentTransaction(this);
            var result = await work(transaction, cancellationToken);
            try
            {
                await CommitAsync(transaction.Writes, transaction.ReadVersions, cancellationToken);
                return result;
            }
            catch (ContentionException) when (attempt < maxAttempts)
            {
                await Task.Delay(Backoff.Jittered(attempt), cancellationToken);
            }
            catch (ContentionException ex)
            {
                throw new TransactionContentionException(attempt, ex);
            }
        }
    }

    public Task PingAsync(CancellationToken cancellationToken = default)
    {
        using var connection = Open();
        Execute(connection, "SELECT 1 FROM commit_clock LIMIT 1;");
        return Task.CompletedTask;
    }

    internal DocumentSnapshot? ReadForTransaction(string path)
    {
        using var connection = Open();
        return Read(connection, path);
    }

    internal QueryResult QueryForTransaction(DocumentQuery query)
    {
        using var connection = Open();
        return RunQuery(connection, query);
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // A 32 MiB page cache per (pooled) connection instead of SQLite's 2 MB default: index pages
        // of large collections stay in memory between queries instead of being re-read with syscalls.
        Execute(connection, "PRAGMA cache_size = -32768;");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static (string Collection, string Id) Split(string path) => (DocumentPaths.CollectionOf(path), DocumentPaths.IdOf(path));

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static DocumentSnapshot? Read(SqliteConnection connection, string path)
    {
        var (collection, id) = Split(path);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT data, create_time, update_time FROM documents WHERE collection = $c AND id = $id;";
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new DocumentSnapshot(path, SqliteJson.Deserialize(reader.GetString(0)), FromTicks(reader.GetInt64(1)), FromTicks(reader.GetInt64(2)))
            : null;
    }

    private Task<WriteResult> CommitAsync(IReadOnlyList<PendingWrite> writes, IReadOnlyDictionary<string, long>? readVersions, CancellationToken cancellationToken)
    {
        foreach (var write in writes)
        {
            DocumentPaths.ValidateDocumentPath(write.Path);
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var connection = Open();
        // BEGIN IMMEDIATE takes the write lock up front, so the version checks and the writes
        // below see no interleaving writer from this or any other process.
        using var transaction = connection.BeginTransaction(deferred: false);
        foreach (var (path, version) in readVersions ?? new Dictionary<string, long>())
        {
            if ((Read(connection, path)?.UpdateTime.UtcTicks ?? 0) != version)
            {
                throw new ContentionException(path);
            }
        }

        var commitTime = NextCommitTime(connection);
        foreach (var write in writes)
        {
            Apply(connection, write, commitTime);
        }

        transaction.Commit();
        return Task.FromResult(new WriteResult(commitTime));
    }

    /// <summary>Commit times strictly increase across all writers of the file, so update times work as versions.</summary>
    private static DateTimeOffset NextCommitTime(SqliteConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_ticks FROM commit_clock WHERE id = 1;";
        var last = (long)command.ExecuteScalar()!;
        var now = DocumentValues.TruncateToMicroseconds(DateTimeOffset.UtcNow).UtcTicks;
        var next = Math.Max(now, last + 10);
        command.CommandText = "UPDATE commit_clock SET last_ticks = $t WHERE id = 1;";
        command.Parameters.AddWithValue("$t", next);
        command.ExecuteNonQuery();
        return FromTicks(next);
    }

    private static void Apply(SqliteConnection connection, PendingWrite write, DateTimeOffset commitTime)
    {
        var existing = Read(connection, write.Path);
        CheckPrecondition(write, existing);
        if (write.Kind == WriteKind.Delete)
        {
            if (existing is not null)
            {
                using var delete = connection.CreateCommand();
                delete.CommandText = "DELETE FROM documents WHERE collection = $c AND id = $id;";
                var (c, i) = Split(write.Path);
                delete.Parameters.AddWithValue("$c", c);
                delete.Parameters.AddWithValue("$id", i);
                delete.ExecuteNonQuery();
                SqliteArrayIndex.Remove(connection, c, i);
            }

            return;
        }

        var data = DocumentValues.ApplyWrite(write.Kind == WriteKind.Update ? existing?.Data : null, write.Data!, replace: write.Kind != WriteKind.Update, commitTime);
        var (collection, id) = Split(write.Path);
        using var upsert = connection.CreateCommand();
        upsert.CommandText = """
            INSERT INTO documents (collection, id, data, create_time, update_time) VALUES ($c, $id, $data, $now, $now)
            ON CONFLICT (collection, id) DO UPDATE SET data = excluded.data, update_time = excluded.update_time;
            """;
        upsert.Parameters.AddWithValue("$c", collection);
        upsert.Parameters.AddWithValue("$id", id);
        var json = SqliteJson.Serialize(data);
        upsert.Parameters.AddWithValue("$data", json);
        upsert.Parameters.AddWithValue("$now", commitTime.UtcTicks);
        upsert.ExecuteNonQuery();
        SqliteArrayIndex.Replace(connection, collection, id, data, json);
    }

    private static bool TableExists(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = $n;";
        command.Parameters.AddWithValue("$n", name);
        return (long)command.ExecuteScalar()! > 0;
    }

    /// <summary>A file written before the array-entry table existed gets its entries once, under the write lock.</summary>
    private static void BackfillArrayEntries(SqliteConnection connection)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT collection, id, data FROM documents;";
        var rows = new List<(string Collection, string Id, string Json)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2)));
            }
        }

        foreach (var (collection, id, json) in rows)
        {
            SqliteArrayIndex.Replace(connection, collection, id, SqliteJson.Deserialize(json), json);
        }

        transaction.Commit();
    }

    private static void CheckPrecondition(PendingWrite write, DocumentSnapshot? existing)
    {
        if (write.Kind == WriteKind.Create && existing is not null)
        {
            throw new DocumentAlreadyExistsException(write.Path);
        }

        var precondition = write.Precondition;
        if ((precondition?.Exists == true || write.Kind == WriteKind.Update) && existing is null)
        {
            throw new DocumentNotFoundException(write.Path);
        }

        if (precondition?.Exists == false && existing is not null)
        {
            throw new DocumentAlreadyExistsException(write.Path);
        }

        if (precondition?.UpdateTime is { } expected && existing?.UpdateTime != DocumentValues.TruncateToMicroseconds(expected))
        {
            throw new PreconditionFailedException(write.Path);
        }
    }

    private QueryResult RunQuery(SqliteConnection connection, DocumentQuery query)
    {
        query.StartAfterCursor?.EnsureMatches(query);
        _expressionIndexes.Ensure(connection, query, SqliteQueries.ValueSql);
        using var command = SqliteQueries.ToCommand(connection, query);
        var documents = new List<DocumentSnapshot>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                documents.Add(new DocumentSnapshot(
                    DocumentPaths.Combine(query.CollectionPath, reader.GetString(0)),
                    SqliteJson.Deserialize(reader.GetString(1)),
                    FromTicks(reader.GetInt64(2)),
                    FromTicks(reader.GetInt64(3))));
            }
        }

        if (query.Limit is { } max && documents.Count > max)
        {
            documents.RemoveRange(max, documents.Count - max);
            return new QueryResult(documents, query.CursorAfter(documents[^1]));
        }

        return new QueryResult(documents, null);
    }

    /// <summary>A transaction's read set changed before its commit.</summary>
    private sealed class ContentionException(string path) : Exception($"'{path}' changed during the transaction.");
}
