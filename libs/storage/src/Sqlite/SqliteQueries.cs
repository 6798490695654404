using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Sqlite;

/// <summary>
/// Turns a <see cref="DocumentQuery"/> into SQL over the <c>documents</c> table: filters and orders
/// as <c>json_extract</c> expressions (written exactly as the per-shape expression indexes of
/// <see cref="SqliteExpressionIndexes"/> write them), array-contains through the array-entry table
/// (<see cref="SqliteArrayIndex"/>), and the start-after cursor as a range condition.
/// </summary>
internal static class SqliteQueries
{
    /// <summary>
    /// A command selecting <c>id, data, create_time, update_time</c> of the query's page in its
    /// effective order, one row more than the limit, to learn whether a next page exists.
    /// </summary>
    public static SqliteCommand ToCommand(SqliteConnection connection, DocumentQuery query)
    {
        var command = connection.CreateCommand();
        try
        {
            Build(command, connection, query);
            return command;
        }
        catch
        {
            command.Dispose();
            throw;
        }
    }

    public static string ValueSql(string fieldPath) => fieldPath == DocumentQuery.DocumentIdField
        ? "id"
        : $"json_extract(data, '{SqliteJson.JsonPath(fieldPath)}')";

    private static void Build(SqliteCommand command, SqliteConnection connection, DocumentQuery query)
    {
        var orders = query.EffectiveOrders();
        command.Parameters.AddWithValue("$collection", query.CollectionPath);
        var parameterCount = 0;
        string Bind(object? value)
        {
            var name = "$p" + (parameterCount++).ToString(CultureInfo.InvariantCulture);
            command.Parameters.AddWithValue(name, SqliteJson.ToSqlValue(value));
            return name;
        }

        // A selective array-contains drives the query from the array-entry table; a common one is
        // checked row by row while an ordered expression index supplies the rows (see SqliteArrayIndex).
        var driving = query.Filters.FirstOrDefault(SqliteArrayIndex.CanServe);
        var drive = driving is not null && SqliteArrayIndex.Count(connection, query.CollectionPath, driving) <= SqliteArrayIndex.DriveThreshold;
        var sql = new StringBuilder(drive
            ? "SELECT id, data, create_time, update_time FROM document_array_entries AS ae CROSS JOIN documents WHERE collection = $collection AND ae.coll = $collection AND documents.id = ae.doc_id"
            : "SELECT id, data, create_time, update_time FROM documents WHERE collection = $collection");
        foreach (var filter in query.Filters)
        {
            sql.Append(" AND ");
            if (drive && ReferenceEquals(filter, driving))
            {
                sql.Append(SqliteArrayIndex.DrivingSql(filter, Bind));
            }
            else if (SqliteArrayIndex.CanServe(filter))
            {
                sql.Append(SqliteArrayIndex.ExistsSql(filter, Bind));
            }
            else
            {
                sql.Append(FilterSql(filter, Bind));
            }
        }

        foreach (var order in orders.Where(o => o.FieldPath != DocumentQuery.DocumentIdField))
        {
            // As in Firestore, ordering by a field leaves out documents without it.
            sql.Append(" AND json_type(data, '").Append(SqliteJson.JsonPath(order.FieldPath)).Append("') IS NOT NULL");
        }

        if (query.StartAfterCursor is { } cursor)
        {
            sql.Append(" AND (").Append(CursorSql(orders, cursor, Bind)).Append(')');
        }

        sql.Append(" ORDER BY ").AppendJoin(", ", orders.Select(o => $"{ValueSql(o.FieldPath)} {(o.Direction == SortDirection.Ascending ? "ASC" : "DESC")}"));
        if (query.Limit is { } limit)
        {
            sql.Append(" LIMIT ").Append((limit + 1).ToString(CultureInfo.InvariantCulture));
        }

        command.CommandText = sql.ToString();
    }

    private static string TypeGuard(string fieldPath, object? value) =>
        $"json_type(data, '{SqliteJson.JsonPath(fieldPath)}') IN ({string.Join(", ", SqliteJson.JsonTypesOf(value).Select(t => $"'{t}'"))})";

    private static string FilterSql(QueryFilter filter, Func<object?, string> bind)
    {
        var field = ValueSql(filter.FieldPath);
        switch (filter.Operator)
        {
            case FilterOperator.ArrayContains:
                return $"EXISTS (SELECT 1 FROM json_each(data, '{SqliteJson.JsonPath(filter.FieldPath)}') AS e WHERE e.value = {bind(filter.Value)} AND e.type IN ({string.Join(", ", SqliteJson.JsonTypesOf(filter.Value).Select(t => $"'{t}'"))}))";
            case FilterOperator.In:
                var values = (IReadOnlyList<object?>)filter.Value!;
                return "(" + string.Join(" OR ", values.Select(v => EqualitySql(filter.FieldPath, v, bind))) + ")";
            case FilterOperator.Equal:
                return EqualitySql(filter.FieldPath, filter.Value, bind);
            default:
                var op = filter.Operator switch
                {
                    FilterOperator.LessThan => "<",
                    FilterOperator.LessThanOrEqual => "<=",
                    FilterOperator.GreaterThan => ">",
                    _ => ">=",
                };
                return $"({TypeGuard(filter.FieldPath, filter.Value)} AND {TagGuard(field, filter.Value)} {field} {op} {bind(filter.Value)})";
        }
    }

    private static string EqualitySql(string fieldPath, object? value, Func<object?, string> bind) => value is null
        ? TypeGuard(fieldPath, null)
        : $"({TypeGuard(fieldPath, value)} AND {ValueSql(fieldPath)} = {bind(value)})";

    /// <summary>Keeps range filters within one tagged kind of text: timestamps only match timestamps.</summary>
    private static string TagGuard(string field, object? value) => value switch
    {
        DateTimeOffset => $"substr({field}, 1, 3) = '{SqliteJson.TimestampTag}' AND",
        string => $"substr({field}, 1, 1) <> '{SqliteJson.Tag}' AND",
        _ => string.Empty,
    };

    /// <summary>Rows strictly after the cursor in the effective order: (a > x) or (a = x and b > y) ...</summary>
    private static string CursorSql(IReadOnlyList<QueryOrder> orders, QueryCursor cursor, Func<object?, string> bind)
    {
        // One direction and no nulls: a row-value comparison, which SQLite turns into a range of an
        // ordered index (the OR form below makes it read and sort everything after the cursor).
        if (orders.All(o => o.Direction == orders[0].Direction) && cursor.Values.All(v => v is not null))
        {
            var ascending = orders[0].Direction == SortDirection.Ascending;
            var fields = string.Join(", ", orders.Select(o => ValueSql(o.FieldPath)));
            var values = string.Join(", ", cursor.Values.Select(bind));
            if (orders.Count == 1)
            {
                return $"{fields} {(ascending ? ">" : "<")} {values}";
            }

            // SQLite does not turn a row value over expression columns into an index range (it then
            // walks the index from the start of the equality prefix); the implied bound on the first
            // field, redundant for the result, lets it seek to the cursor.
            var leading = $"{ValueSql(orders[0].FieldPath)} {(ascending ? ">=" : "<=")} {bind(cursor.Values[0])}";
            return $"{leading} AND ({fields}) {(ascending ? ">" : "<")} ({values})";
        }

        var alternatives = new List<string>();
        for (var i = 0; i < orders.Count; i++)
        {
            var parts = new List<string>();
            for (var j = 0; j < i; j++)
            {
                var equalValue = cursor.Values[j];
                parts.Add(equalValue is null ? $"{ValueSql(orders[j].FieldPath)} IS NULL" : $"{ValueSql(orders[j].FieldPath)} = {bind(equalValue)}");
            }

            var value = cursor.Values[i];
            var ascending = orders[i].Direction == SortDirection.Ascending;
            var field = ValueSql(orders[i].FieldPath);
            parts.Add(value is null
                ? (ascending ? $"{field} IS NOT NULL" : "0")
                : $"{field} {(ascending ? ">" : "<")} {bind(value)}");
            alternatives.Add("(" + string.Join(" AND ", parts) + ")");
        }

        return string.Join(" OR ", alternatives);
    }
}
