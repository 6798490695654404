using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace PocketCode.Storage.Documents;

/// <summary>
/// A position in a query's effective order: one value per effective order field, the last being the
/// document id. <see cref="ToToken"/> makes it an opaque page token for API responses.
/// </summary>
public sealed class QueryCursor
{
    public QueryCursor(IReadOnlyList<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0 || values[^1] is not string)
        {
            throw new ArgumentException("A cursor ends with the document id.", nameof(values));
        }

        Values = values.Select(DocumentValues.Normalize).ToList();
    }

    public IReadOnlyList<object?> Values { get; }

    public string DocumentId => (string)Values[^1]!;

    public string ToToken()
    {
        var json = DocumentValues.ToTaggedJson(Values);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Parses a page token; throws <see cref="FormatException"/> for anything not made by <see cref="ToToken"/>.</summary>
    public static QueryCursor Parse(string token)
    {
        try
        {
            var json = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            if (DocumentValues.FromTaggedJson(json) is IReadOnlyList<object?> values)
            {
                return new QueryCursor(values);
            }
        }
        catch (Exception ex) when (ex is FormatException or JsonException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException("The page token is not valid.", ex);
        }

        throw new FormatException("The page token is not valid.");
    }

    /// <summary>Checks that the cursor fits a query's effective order.</summary>
    public void EnsureMatches(DocumentQuery query)
    {
        if (Values.Count != query.EffectiveOrders().Count)
        {
            throw new FormatException("The page token does not belong to this query.");
        }
    }
}
