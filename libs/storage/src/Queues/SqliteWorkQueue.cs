using System.Text.Json;
using Microsoft.Data.Sqlite;
using PocketCode.Storage.Sqlite;

namespace PocketCode.Storage.Queues;

/// <summary>A claimed row: the item plus whether it is on its dead-letter path.</summary>
internal sealed record ClaimedWorkItem(long Sequence, WorkItem Item, bool Dead);

/// <summary>
/// The embedded <see cref="IWorkQueue"/>: items are rows of <c>work_items</c> in the document store's
/// SQLite file (WAL, several processes), committed before <see cref="PublishAsync"/> returns.
/// <see cref="EmbeddedWorkDispatcher"/> claims due rows by moving <c>visible_at</c> past a lease, so
/// a delivery whose process dies is claimed again once the lease ends, by this or another process.
/// </summary>
internal sealed class SqliteWorkQueue : IWorkQueue
{
    private readonly string _connectionString;
    private readonly TimeProvider _time;

    public SqliteWorkQueue(WorkQueueOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _connectionString = SqliteDocumentStore.ConnectionStringFor(options.DatabasePath);
        using var connection = Open();
        Execute(connection, """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS work_items (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                queue TEXT NOT NULL,
                id TEXT NOT NULL,
                payload BLOB NOT NULL,
                attributes TEXT NOT NULL,
                ordering_key TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                dead INTEGER NOT NULL DEFAULT 0,
                visible_at INTEGER NOT NULL,
                UNIQUE (queue, id)
            );
            CREATE INDEX IF NOT EXISTS work_items_due ON work_items (visible_at);
            CREATE INDEX IF NOT EXISTS work_items_by_key ON work_items (queue, ordering_key, seq) WHERE ordering_key IS NOT NULL;
            """);
    }

    /// <summary>Raised after a commit, so this process's dispatcher starts at once instead of at its next poll.</summary>
    public event Action? Published;

    public Task<string> PublishAsync(string queue, WorkMessage message, CancellationToken cancellationToken = default)
    {
        WorkQueueNames.Validate(queue);
        WorkQueueNames.ValidateMessage(message);
        cancellationToken.ThrowIfCancellationRequested();
        using (var connection = Open())
        using (var command = connection.CreateCommand())
        {
            // A second publish of the same id while the first is pending is the same work: kept once.
            command.CommandText = """
                INSERT OR IGNORE INTO work_items (queue, id, payload, attributes, ordering_key, visible_at)
                VALUES ($queue, $id, $payload, $attributes, $key, $now)
                """;
            command.Parameters.AddWithValue("$queue", queue);
            command.Parameters.AddWithValue("$id", message.Id);
            command.Parameters.AddWithValue("$payload", message.Payload.ToArray());
            command.Parameters.AddWithValue("$attributes", JsonSerializer.Serialize(message.Attributes, WorkQueueJson.Default.IReadOnlyDictionaryStringString));
            command.Parameters.AddWithValue("$key", (object?)message.OrderingKey ?? DBNull.Value);
            command.Parameters.AddWithValue("$now", Now());
            command.ExecuteNonQuery();
        }

        Published?.Invoke();
        return Task.FromResult(message.Id);
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> due items of <paramref name="queues"/> for
    /// <paramref name="lease"/>, counting the attempt. An item with an ordering key is due only when
    /// no earlier live item has its key, which keeps a key's items strictly in publish order.
    /// </summary>
    public IReadOnlyList<ClaimedWorkItem> Claim(IReadOnlyCollection<string> queues, int limit, TimeSpan lease)
    {
        if (queues.Count == 0 || limit <= 0)
        {
            return [];
        }

        var now = Now();
        using var connection = Open();
        using var command = connection.CreateCommand();
        var names = string.Join(", ", queues.Select((_, i) => "$q" + i));
        // One statement, so SQLite's write lock makes the claim atomic across processes.
        command.CommandText = $"""
            UPDATE work_items SET visible_at = $leaseEnd, attempts = attempts + 1
            WHERE seq IN (
                SELECT w.seq FROM work_items w
                WHERE w.queue IN ({names}) AND w.visible_at <= $now
                  AND (w.dead = 1 OR w.ordering_key IS NULL OR NOT EXISTS (
                      SELECT 1 FROM work_items e
                      WHERE e.queue = w.queue AND e.ordering_key = w.ordering_key AND e.dead = 0 AND e.seq < w.seq))
                ORDER BY w.visible_at, w.seq
                LIMIT $limit)
            RETURNING seq, queue, id, payload, attributes, ordering_key, attempts, dead
            """;
        var i = 0;
        foreach (var queue in queues)
        {
            command.Parameters.AddWithValue("$q" + i++, queue);
        }

        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$leaseEnd", now + (long)lease.TotalMilliseconds);
        command.Parameters.AddWithValue("$limit", limit);
        var claimed = new List<ClaimedWorkItem>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var attributes = JsonSerializer.Deserialize(reader.GetString(4), WorkQueueJson.Default.IReadOnlyDictionaryStringString) ?? new Dictionary<string, string>();
            var item = new WorkItem(reader.GetString(1), reader.GetString(2), (byte[])reader.GetValue(3), attributes, reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetInt32(6));
            claimed.Add(new ClaimedWorkItem(reader.GetInt64(0), item, reader.GetInt64(7) == 1));
        }

        return claimed;
    }

    /// <summary>Done: the row goes.</summary>
    public void Complete(long sequence) => Run("DELETE FROM work_items WHERE seq = $seq", sequence, 0);

    /// <summary>Failed: visible again after <paramref name="delay"/>.</summary>
    public void Retry(long sequence, TimeSpan delay) =>
        Run("UPDATE work_items SET visible_at = $at WHERE seq = $seq", sequence, Now() + (long)delay.TotalMilliseconds);

    /// <summary>Out of attempts: on to the dead-letter path at once, which counts its own attempts and no longer holds its ordering key.</summary>
    public void MoveToDeadLetter(long sequence) =>
        Run("UPDATE work_items SET dead = 1, attempts = 0, visible_at = $at WHERE seq = $seq", sequence, Now());

    /// <summary>When the next of <paramref name="queues"/>' items becomes due (unix ms), or null when there is none.</summary>
    public long? NextDue(IReadOnlyCollection<string> queues)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT MIN(visible_at) FROM work_items WHERE queue IN ({string.Join(", ", queues.Select((_, i) => "$q" + i))})";
        var i = 0;
        foreach (var queue in queues)
        {
            command.Parameters.AddWithValue("$q" + i++, queue);
        }

        return command.ExecuteScalar() is long next ? next : null;
    }

    public long Now() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private void Run(string sql, long sequence, long at)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$seq", sequence);
        command.Parameters.AddWithValue("$at", at);
        command.ExecuteNonQuery();
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
