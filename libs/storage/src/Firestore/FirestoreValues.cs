using System.Text;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;
using PocketCode.Storage.Documents;
using V1 = Google.Cloud.Firestore.V1;

namespace PocketCode.Storage.Firestore;

/// <summary>Converts between the port's value model and Firestore's wire values and field paths.</summary>
internal static class FirestoreValues
{
    /// <summary>Converts a value already passed through <see cref="DocumentValues.Normalize"/>.</summary>
    public static V1.Value ToValue(object? value) => value switch
    {
        null => new V1.Value { NullValue = NullValue.NullValue },
        bool b => new V1.Value { BooleanValue = b },
        long l => new V1.Value { IntegerValue = l },
        double d => new V1.Value { DoubleValue = d },
        string s => new V1.Value { StringValue = s },
        byte[] bytes => new V1.Value { BytesValue = ByteString.CopyFrom(bytes) },
        DateTimeOffset t => new V1.Value { TimestampValue = Timestamp.FromDateTimeOffset(t) },
        IReadOnlyDictionary<string, object?> map => new V1.Value { MapValue = ToMapValue(map) },
        IReadOnlyList<object?> list => new V1.Value { ArrayValue = ToArrayValue(list) },
        FieldValue => throw new ArgumentException("Field transforms are only allowed as field values, not inside lists or filters."),
        _ => throw new ArgumentException($"Values of type {value.GetType().Name} cannot be stored in a document."),
    };

    private static V1.MapValue ToMapValue(IReadOnlyDictionary<string, object?> map)
    {
        var result = new V1.MapValue();
        foreach (var (key, item) in map)
        {
            result.Fields[key] = ToValue(item);
        }

        return result;
    }

    private static V1.ArrayValue ToArrayValue(IReadOnlyList<object?> list)
    {
        var result = new V1.ArrayValue();
        foreach (var item in list)
        {
            result.Values.Add(ToValue(item));
        }

        return result;
    }

    /// <summary>Reads a wire value back into the port's CLR types (long stays long, maps are ordinal dictionaries).</summary>
    public static object? FromValue(V1.Value value) => value.ValueTypeCase switch
    {
        V1.Value.ValueTypeOneofCase.NullValue => null,
        V1.Value.ValueTypeOneofCase.BooleanValue => value.BooleanValue,
        V1.Value.ValueTypeOneofCase.IntegerValue => value.IntegerValue,
        V1.Value.ValueTypeOneofCase.DoubleValue => value.DoubleValue,
        V1.Value.ValueTypeOneofCase.StringValue => value.StringValue,
        V1.Value.ValueTypeOneofCase.BytesValue => value.BytesValue.ToByteArray(),
        V1.Value.ValueTypeOneofCase.TimestampValue => value.TimestampValue.ToDateTimeOffset(),
        V1.Value.ValueTypeOneofCase.ArrayValue => value.ArrayValue.Values.Select(FromValue).ToList(),
        V1.Value.ValueTypeOneofCase.MapValue => FromFields(value.MapValue.Fields),
        // Written by other clients only; the port has no reference or geo type, so they surface in the
        // nearest shapes it does have.
        V1.Value.ValueTypeOneofCase.ReferenceValue => value.ReferenceValue,
        V1.Value.ValueTypeOneofCase.GeoPointValue => new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["latitude"] = value.GeoPointValue.Latitude,
            ["longitude"] = value.GeoPointValue.Longitude,
        },
        _ => throw new DocumentStoreException($"Firestore returned a value of kind {value.ValueTypeCase}, which documents cannot hold."),
    };

    public static Dictionary<string, object?> FromFields(MapField<string, V1.Value> fields)
    {
        var result = new Dictionary<string, object?>(fields.Count, StringComparer.Ordinal);
        foreach (var (key, value) in fields)
        {
            result[key] = FromValue(value);
        }

        return result;
    }

    /// <summary>
    /// Firestore's field-path syntax: segments joined by dots, where any segment that is not a plain
    /// identifier must be back-quoted (with <c>`</c> and <c>\</c> escaped), or the server would split
    /// or reject it.
    /// </summary>
    public static string ToFieldPath(IEnumerable<string> segments) => string.Join('.', segments.Select(QuoteSegment));

    /// <summary>Converts a dotted port field path; <c>__name__</c> passes through as Firestore's document-id field.</summary>
    public static string ToFieldPath(string dottedPath) =>
        dottedPath == DocumentQuery.DocumentIdField ? dottedPath : ToFieldPath(DocumentValues.SplitFieldPath(dottedPath));

    public static string QuoteSegment(string segment)
    {
        if (IsSimpleSegment(segment))
        {
            return segment;
        }

        var quoted = new StringBuilder(segment.Length + 2).Append('`');
        foreach (var c in segment)
        {
            if (c is '`' or '\\')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('`').ToString();
    }

    private static bool IsSimpleSegment(string segment)
    {
        if (segment.Length == 0 || char.IsAsciiDigit(segment[0]))
        {
            return false;
        }

        foreach (var c in segment)
        {
            if (!(char.IsAsciiLetter(c) || char.IsAsciiDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
