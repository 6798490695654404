using System.Globalization;
using Microsoft.Data.Sqlite;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Sqlite;

/// <summary>
/// The <c>document_array_entries</c> table: one row per element of every array field (at any depth
/// of nested maps whose keys are plain names), written in the same SQLite transaction as the
/// document, so <c>array-contains</c> is an index lookup instead of <c>json_each</c> over every row.
/// Elements are stored as <c>json_each</c> reports them (value and JSON type), so matching keeps the
/// adapter's typing rules. Null, list and map elements are not mirrored; filters on them, and on
/// field paths with unusual names, keep using <c>json_each</c>. (No library maintains such a
/// side table for SQLite's JSON; this is the smallest hand-written form of it.)
/// </summary>
internal static class SqliteArrayIndex
{
    /// <summary>At most this many matching elements: the query starts from them; more: it walks an ordered index and checks each row.</summary>
    public const int DriveThreshold = 2000;

    public static bool CanServe(QueryFilter filter) =>
        filter.Operator == FilterOperator.ArrayContains
        && filter.Value is string or long or double or bool
        && IsPlainPath(filter.FieldPath);

    /// <summary>How many elements match, counted no further than <see cref="DriveThreshold"/> + 1.</summary>
    public static long Count(SqliteConnection connection, string collection, QueryFilter filter)
    {
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture,
            $"SELECT count(*) FROM (SELECT 1 FROM document_array_entries WHERE coll = $c AND field = $f AND value = $v AND type IN ({Types(filter.Value)}) LIMIT {DriveThreshold + 1});");
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$f", filter.FieldPath);
        command.Parameters.AddWithValue("$v", SqliteJson.ToSqlValue(filter.Value));
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Conditions on the joined <c>ae</c> rows when the entries drive the query.</summary>
    public static string DrivingSql(QueryFilter filter, Func<object?, string> bind) =>
        $"ae.field = {bind(filter.FieldPath)} AND ae.value = {bind(filter.Value)} AND ae.type IN ({Types(filter.Value)})";

    /// <summary>A per-row check through the table's primary key.</summary>
    public static string ExistsSql(QueryFilter filter, Func<object?, string> bind) =>
        $"EXISTS (SELECT 1 FROM document_array_entries AS ax WHERE ax.coll = documents.collection AND ax.field = {bind(filter.FieldPath)} AND ax.value = {bind(filter.Value)} AND ax.type IN ({Types(filter.Value)}) AND ax.doc_id = documents.id)";

    public static void Remove(SqliteConnection connection, string collection, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM document_array_entries WHERE coll = $c AND doc_id = $id;";
        command.Parameters.AddWithValue("$c", collection);
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    /// <summary>Replaces a document's entries with those of its new data (<paramref name="json"/> is its stored form).</summary>
    public static void Replace(SqliteConnection connection, string collection, string id, IReadOnlyDictionary<string, object?> data, string json)
    {
        Remove(connection, collection, id);
        foreach (var path in ArrayPaths(data, null))
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                INSERT OR IGNORE INTO document_array_entries (coll, field, value, type, doc_id)
                SELECT $c, $f, e.value, e.type, $id FROM json_each($data, $path) AS e
                WHERE e.type NOT IN ('null', 'array', 'object');
                """;
            command.Parameters.AddWithValue("$c", collection);
            command.Parameters.AddWithValue("$f", path);
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$data", json);
            command.Parameters.AddWithValue("$path", SqliteJson.JsonPath(path));
            command.ExecuteNonQuery();
        }
    }

    private static IEnumerable<string> ArrayPaths(IReadOnlyDictionary<string, object?> map, string? prefix)
    {
        foreach (var (key, value) in map)
        {
            if (!IsPlainPath(key) || key.Contains('.', StringComparison.Ordinal))
            {
                continue;
            }

            var path = prefix is null ? key : prefix + "." + key;
            if (value is IReadOnlyList<object?>)
            {
                yield return path;
            }
            else if (value is IReadOnlyDictionary<string, object?> nested)
            {
                foreach (var inner in ArrayPaths(nested, path))
                {
                    yield return inner;
                }
            }
        }
    }

    private static bool IsPlainPath(string path) =>
        path.Length > 0 && !path.Contains('"', StringComparison.Ordinal) && !path.Contains('`', StringComparison.Ordinal)
        && path.Split('.').All(s => s.Length > 0);

    private static string Types(object? value) =>
        string.Join(", ", SqliteJson.JsonTypesOf(value).Select(t => "'" + t + "'"));
}

/// <summary>
/// Expression indexes made on demand, one per query shape: the collection, the equality fields (by
/// name), then the order fields with their directions, as <c>json_extract</c> expressions written
/// exactly as the queries write them, so SQLite can both find and order a page from the index and
/// stop after the page's rows. Services declare the same shapes as Firestore composite indexes.
/// </summary>
internal sealed class SqliteExpressionIndexes
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _made = new(StringComparer.Ordinal);

    public void Ensure(SqliteConnection connection, DocumentQuery query, Func<string, string> valueSql)
    {
        var equalities = query.Filters
            .Where(f => f.Operator == FilterOperator.Equal && f.Value is not null and not IReadOnlyList<object?> and not IReadOnlyDictionary<string, object?>
                && f.FieldPath != DocumentQuery.DocumentIdField)
            .Select(f => f.FieldPath).Distinct().Order(StringComparer.Ordinal).ToList();
        var orders = query.EffectiveOrders().Where(o => o.FieldPath != DocumentQuery.DocumentIdField).ToList();
        if (equalities.Count + orders.Count == 0 || equalities.Concat(orders.Select(o => o.FieldPath)).Any(p => p.Contains('"', StringComparison.Ordinal) || p.Contains('\'', StringComparison.Ordinal)))
        {
            return;
        }

        var columns = new List<string> { "collection" };
        columns.AddRange(equalities.Select(valueSql));
        // All effective orders, the document id last, each in its direction: the page comes
        // straight off the index with no sort step, even among equal values.
        columns.AddRange(query.EffectiveOrders().Select(o => valueSql(o.FieldPath) + (o.Direction == SortDirection.Descending ? " DESC" : " ASC")));
        var definition = string.Join(", ", columns);
        if (_made.ContainsKey(definition))
        {
            return;
        }

        var name = "documents_auto_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(definition)).AsSpan(0, 8));
        using var command = connection.CreateCommand();
        command.CommandText = string.Create(CultureInfo.InvariantCulture, $"CREATE INDEX IF NOT EXISTS {name} ON documents ({definition});");
        command.ExecuteNonQuery();
        _made[definition] = true;
    }
}
