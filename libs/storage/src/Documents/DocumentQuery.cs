using System.Collections.Immutable;

namespace PocketCode.Storage.Documents;

public enum FilterOperator
{
    Equal,
    LessThan,
    LessThanOrEqual,
    GreaterThan,
    GreaterThanOrEqual,
    ArrayContains,
    /// <summary>The field equals one of the values of a list (at most 30).</summary>
    In,
}

public enum SortDirection
{
    Ascending,
    Descending,
}

public sealed record QueryFilter(string FieldPath, FilterOperator Operator, object? Value)
{
    public bool IsRange => Operator is FilterOperator.LessThan or FilterOperator.LessThanOrEqual
        or FilterOperator.GreaterThan or FilterOperator.GreaterThanOrEqual;
}

public sealed record QueryOrder(string FieldPath, SortDirection Direction);

/// <summary>
/// A query over one collection, built fluently: <c>new DocumentQuery("projects").Where("ownerUid",
/// FilterOperator.Equal, uid).OrderBy("updatedAt", SortDirection.Descending).Take(20)</c>.
/// Ordering follows Firestore: the effective order is the explicit order, then any range-filtered
/// field not already ordered, then the document id, so pages are stable.
/// </summary>
public sealed record DocumentQuery
{
    /// <summary>Orders and cursors use this pseudo field for the document id, as Firestore does.</summary>
    public const string DocumentIdField = "__name__";

    public const int MaxInValues = 30;

    public DocumentQuery(string collectionPath)
    {
        DocumentPaths.ValidateCollectionPath(collectionPath);
        CollectionPath = collectionPath;
    }

    public string CollectionPath { get; }

    public ImmutableList<QueryFilter> Filters { get; init; } = [];

    public ImmutableList<QueryOrder> Orders { get; init; } = [];

    public int? Limit { get; init; }

    public QueryCursor? StartAfterCursor { get; init; }

    public DocumentQuery Where(string fieldPath, FilterOperator op, object? value)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldPath);
        object? normalized;
        if (op == FilterOperator.In)
        {
            var list = DocumentValues.Normalize(value) as IReadOnlyList<object?>
                ?? throw new ArgumentException("An 'In' filter takes a list of values.", nameof(value));
            if (list.Count is 0 or > MaxInValues)
            {
                throw new ArgumentException($"An 'In' filter takes 1 to {MaxInValues} values.", nameof(value));
            }

            normalized = list;
        }
        else
        {
            normalized = DocumentValues.Normalize(value);
        }

        return this with { Filters = Filters.Add(new QueryFilter(fieldPath, op, normalized)) };
    }

    public DocumentQuery OrderBy(string fieldPath, SortDirection direction = SortDirection.Ascending)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldPath);
        return this with { Orders = Orders.Add(new QueryOrder(fieldPath, direction)) };
    }

    public DocumentQuery Take(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return this with { Limit = limit };
    }

    public DocumentQuery StartAfter(QueryCursor? cursor) => this with { StartAfterCursor = cursor };

    /// <summary>The full ordering the adapters apply, ending with the document id.</summary>
    public IReadOnlyList<QueryOrder> EffectiveOrders()
    {
        var orders = new List<QueryOrder>(Orders.Where(o => o.FieldPath != DocumentIdField));
        foreach (var filter in Filters.Where(f => f.IsRange && f.FieldPath != DocumentIdField))
        {
            if (!orders.Exists(o => o.FieldPath == filter.FieldPath))
            {
                orders.Add(new QueryOrder(filter.FieldPath, SortDirection.Ascending));
            }
        }

        var explicitId = Orders.FirstOrDefault(o => o.FieldPath == DocumentIdField);
        var idDirection = explicitId?.Direction ?? (orders.Count > 0 ? orders[^1].Direction : SortDirection.Ascending);
        orders.Add(new QueryOrder(DocumentIdField, idDirection));
        return orders;
    }

    /// <summary>The cursor that continues this query after <paramref name="last"/>.</summary>
    public QueryCursor CursorAfter(DocumentSnapshot last)
    {
        var values = new List<object?>();
        foreach (var order in EffectiveOrders())
        {
            values.Add(order.FieldPath == DocumentIdField ? last.Id : last[order.FieldPath]);
        }

        return new QueryCursor(values);
    }
}

public sealed record QueryResult(IReadOnlyList<DocumentSnapshot> Documents, QueryCursor? NextCursor);
