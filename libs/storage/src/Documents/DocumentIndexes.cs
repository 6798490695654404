using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PocketCode.Storage.Documents;

/// <summary>How one field takes part in a composite index (Firestore's three field modes).</summary>
public enum IndexFieldMode
{
    Ascending,
    Descending,
    ArrayContains,
}

public sealed record IndexField(string FieldPath, IndexFieldMode Mode)
{
    public static IndexField Asc(string fieldPath) => new(fieldPath, IndexFieldMode.Ascending);

    public static IndexField Desc(string fieldPath) => new(fieldPath, IndexFieldMode.Descending);

    public static IndexField Contains(string fieldPath) => new(fieldPath, IndexFieldMode.ArrayContains);
}

/// <summary>
/// A composite index a service's queries need on production Firestore (the emulator and SQLite
/// accept every query, so without this list a missing index only shows up in production). The
/// services declare them in code next to their queries; Terraform's tests check every declared
/// index exists in <c>terraform/firestore.tf</c>, and the SQLite adapter may use them as hints.
/// </summary>
public sealed record CompositeIndex(string Collection, IReadOnlyList<IndexField> Fields)
{
    public CompositeIndex(string collection, params IndexField[] fields)
        : this(collection, (IReadOnlyList<IndexField>)fields)
    {
    }

    /// <summary>
    /// The composite index production Firestore needs to run <paramref name="query"/>, or null
    /// when its automatic single-field indexes do (one field; or only equality and array-contains
    /// filters, which Firestore merges). Equality fields come first (by name), then the
    /// array-contains field, then the orders (including the implicit order of a range filter).
    /// </summary>
    public static CompositeIndex? RequiredFor(DocumentQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var equalities = query.Filters
            .Where(f => f.Operator is FilterOperator.Equal or FilterOperator.In && f.FieldPath != DocumentQuery.DocumentIdField)
            .Select(f => f.FieldPath).Distinct().Order(StringComparer.Ordinal).ToList();
        var arrays = query.Filters.Where(f => f.Operator == FilterOperator.ArrayContains).Select(f => f.FieldPath).Distinct().ToList();
        var orders = query.EffectiveOrders().Where(o => o.FieldPath != DocumentQuery.DocumentIdField).ToList();
        var fields = equalities.Select(IndexField.Asc)
            .Concat(arrays.Select(IndexField.Contains))
            .Concat(orders.Select(o => new IndexField(o.FieldPath, o.Direction == SortDirection.Ascending ? IndexFieldMode.Ascending : IndexFieldMode.Descending)))
            .ToList();
        var distinctFields = fields.Select(f => f.FieldPath).Distinct().Count();
        if (distinctFields <= 1 || orders.Count == 0 || (orders.Count == 1 && equalities.Count + arrays.Count == 0))
        {
            return null;
        }

        var segments = query.CollectionPath.Split('/');
        return new CompositeIndex(segments[^1], fields);
    }

    /// <summary>
    /// Whether this index serves <paramref name="query"/>: same collection, the same equality and
    /// array-contains fields in any order and direction, then exactly the query's orders.
    /// </summary>
    public bool Covers(DocumentQuery query) =>
        RequiredFor(query) is not { } required || Serves(required, OrderCount(query));

    /// <summary>
    /// Whether this index can stand in for <paramref name="required"/>: the leading equality and
    /// array-contains fields in any order and direction, then the last
    /// <paramref name="orderCount"/> fields exactly.
    /// </summary>
    internal bool Serves(CompositeIndex required, int orderCount)
    {
        if (required.Collection != Collection || required.Fields.Count != Fields.Count)
        {
            return false;
        }

        var prefixLength = Fields.Count - orderCount;
        static string Key(IndexField f) => (f.Mode == IndexFieldMode.ArrayContains ? "[]" : "") + f.FieldPath;
        return required.Fields.Take(prefixLength).Select(Key).Order(StringComparer.Ordinal)
                .SequenceEqual(Fields.Take(prefixLength).Select(Key).Order(StringComparer.Ordinal))
            && required.Fields.Skip(prefixLength).SequenceEqual(Fields.Skip(prefixLength));
    }

    internal static int OrderCount(DocumentQuery query) =>
        query.EffectiveOrders().Count(o => o.FieldPath != DocumentQuery.DocumentIdField);

    public override string ToString() =>
        Collection + "(" + string.Join(", ", Fields.Select(f => f.FieldPath + " " + f.Mode)) + ")";

    public bool Equals(CompositeIndex? other) =>
        other is not null && Collection == other.Collection && Fields.SequenceEqual(other.Fields);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Collection);
        foreach (var field in Fields)
        {
            hash.Add(field);
        }

        return hash.ToHashCode();
    }
}

/// <summary>A Firestore TTL policy: documents of the collection are deleted after the timestamp in the field.</summary>
public sealed record TtlPolicy(string Collection, string TimestampField);

/// <summary>What one part of a service declares it needs from the document store's configuration.</summary>
public sealed record DocumentStoreRequirements(IReadOnlyList<CompositeIndex> Indexes, IReadOnlyList<TtlPolicy> TtlPolicies)
{
    public static DocumentStoreRequirements Of(params CompositeIndex[] indexes) => new(indexes, []);
}

public static class DocumentIndexesServiceCollectionExtensions
{
    /// <summary>
    /// Declares composite indexes and TTL policies a feature's queries and records need. Call it
    /// once per feature, next to the code that runs the queries; read them all back with
    /// <see cref="DocumentStoreRequirementsCatalog"/>.
    /// </summary>
    public static IServiceCollection AddDocumentStoreRequirements(this IServiceCollection services, DocumentStoreRequirements requirements)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(requirements);
        services.AddSingleton(requirements);
        services.TryAddSingleton<DocumentStoreRequirementsCatalog>();
        return services;
    }
}

/// <summary>Every index and TTL policy the service's features declared, without duplicates.</summary>
public sealed class DocumentStoreRequirementsCatalog(IEnumerable<DocumentStoreRequirements> declared)
{
    public IReadOnlyList<CompositeIndex> Indexes { get; } = declared.SelectMany(d => d.Indexes).Distinct().ToList();

    public IReadOnlyList<TtlPolicy> TtlPolicies { get; } = declared.SelectMany(d => d.TtlPolicies).Distinct().ToList();

    /// <summary>Whether production Firestore can run the query with the declared indexes.</summary>
    public bool Covers(DocumentQuery query)
    {
        if (CompositeIndex.RequiredFor(query) is not { } required)
        {
            return true;
        }

        // The required index and the order count are computed once, not once per declared index.
        var orderCount = CompositeIndex.OrderCount(query);
        return Indexes.Any(index => index.Serves(required, orderCount));
    }
}
