using PocketCode.Storage.Documents;
using V1 = Google.Cloud.Firestore.V1;

namespace PocketCode.Storage.Firestore;

/// <summary>Turns a <see cref="DocumentQuery"/> into a Firestore structured query.</summary>
internal static class FirestoreQueries
{
    public static V1.RunQueryRequest ToRequest(DocumentQuery query, string documentsRoot)
    {
        var collectionPath = query.CollectionPath;
        var slash = collectionPath.LastIndexOf('/');
        // A nested collection is queried under its parent document; a top-level one under the root.
        var parent = slash < 0 ? documentsRoot : documentsRoot + "/" + collectionPath[..slash];
        var structured = new V1.StructuredQuery();
        structured.From.Add(new V1.StructuredQuery.Types.CollectionSelector { CollectionId = collectionPath[(slash + 1)..] });

        var filters = query.Filters.Select(f => ToFilter(f, documentsRoot, collectionPath)).ToList();
        if (filters.Count == 1)
        {
            structured.Where = filters[0];
        }
        else if (filters.Count > 1)
        {
            var composite = new V1.StructuredQuery.Types.CompositeFilter { Op = V1.StructuredQuery.Types.CompositeFilter.Types.Operator.And };
            composite.Filters.AddRange(filters);
            structured.Where = new V1.StructuredQuery.Types.Filter { CompositeFilter = composite };
        }

        // Spelled out rather than left to the server, so the cursor values line up with the orders by
        // construction (Firestore appends implicit orders by field name, the port in filter order).
        var orders = query.EffectiveOrders();
        foreach (var order in orders)
        {
            structured.OrderBy.Add(new V1.StructuredQuery.Types.Order
            {
                Field = new V1.StructuredQuery.Types.FieldReference { FieldPath = FirestoreValues.ToFieldPath(order.FieldPath) },
                Direction = order.Direction == SortDirection.Ascending
                    ? V1.StructuredQuery.Types.Direction.Ascending
                    : V1.StructuredQuery.Types.Direction.Descending,
            });
        }

        if (query.Limit is { } limit)
        {
            // One more than asked, to learn whether a next page exists.
            structured.Limit = limit == int.MaxValue ? limit : limit + 1;
        }

        if (query.StartAfterCursor is { } cursor)
        {
            var start = new V1.Cursor { Before = false };
            for (var i = 0; i < cursor.Values.Count; i++)
            {
                start.Values.Add(orders[i].FieldPath == DocumentQuery.DocumentIdField
                    ? Reference(documentsRoot, collectionPath, cursor.Values[i])
                    : FirestoreValues.ToValue(cursor.Values[i]));
            }

            structured.StartAt = start;
        }

        return new V1.RunQueryRequest { Parent = parent, StructuredQuery = structured };
    }

    private static V1.StructuredQuery.Types.Filter ToFilter(QueryFilter filter, string documentsRoot, string collectionPath)
    {
        var field = new V1.StructuredQuery.Types.FieldReference { FieldPath = FirestoreValues.ToFieldPath(filter.FieldPath) };

        // Firestore does not compare with null or NaN in field filters; it has unary tests for them.
        if (filter.Operator == FilterOperator.Equal && filter.Value is null or double.NaN)
        {
            return new V1.StructuredQuery.Types.Filter
            {
                UnaryFilter = new V1.StructuredQuery.Types.UnaryFilter
                {
                    Field = field,
                    Op = filter.Value is null
                        ? V1.StructuredQuery.Types.UnaryFilter.Types.Operator.IsNull
                        : V1.StructuredQuery.Types.UnaryFilter.Types.Operator.IsNan,
                },
            };
        }

        // The document-id pseudo field compares references, so ids become full document names.
        var value = filter.FieldPath != DocumentQuery.DocumentIdField
            ? FirestoreValues.ToValue(filter.Value)
            : filter.Value is IReadOnlyList<object?> ids
                ? new V1.Value { ArrayValue = new V1.ArrayValue { Values = { ids.Select(id => Reference(documentsRoot, collectionPath, id)) } } }
                : Reference(documentsRoot, collectionPath, filter.Value);

        return new V1.StructuredQuery.Types.Filter
        {
            FieldFilter = new V1.StructuredQuery.Types.FieldFilter
            {
                Field = field,
                Op = filter.Operator switch
                {
                    FilterOperator.Equal => V1.StructuredQuery.Types.FieldFilter.Types.Operator.Equal,
                    FilterOperator.LessThan => V1.StructuredQuery.Types.FieldFilter.Types.Operator.LessThan,
                    FilterOperator.LessThanOrEqual => V1.StructuredQuery.Types.FieldFilter.Types.Operator.LessThanOrEqual,
                    FilterOperator.GreaterThan => V1.StructuredQuery.Types.FieldFilter.Types.Operator.GreaterThan,
                    FilterOperator.GreaterThanOrEqual => V1.StructuredQuery.Types.FieldFilter.Types.Operator.GreaterThanOrEqual,
                    FilterOperator.ArrayContains => V1.StructuredQuery.Types.FieldFilter.Types.Operator.ArrayContains,
                    FilterOperator.In => V1.StructuredQuery.Types.FieldFilter.Types.Operator.In,
                    _ => throw new ArgumentOutOfRangeException(nameof(filter), filter.Operator, "Unknown filter operator."),
                },
                Value = value,
            },
        };
    }

    private static V1.Value Reference(string documentsRoot, string collectionPath, object? id)
    {
        if (id is not string s)
        {
            throw new ArgumentException($"A document id must be a string, not {id?.GetType().Name ?? "null"}.");
        }

        var path = DocumentPaths.Combine(collectionPath, s);
        DocumentPaths.ValidateDocumentPath(path);
        return new V1.Value { ReferenceValue = documentsRoot + "/" + path };
    }
}
