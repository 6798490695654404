using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PocketCode.Storage.Documents;

/// <summary>
/// The value model every adapter shares. Stored values are <c>null</c>, <see cref="bool"/>,
/// <see cref="long"/>, <see cref="double"/>, <see cref="string"/>, <see cref="byte"/>[],
/// <see cref="DateTimeOffset"/> (UTC, microsecond precision as in Firestore), lists and string-keyed maps.
/// </summary>
public static class DocumentValues
{
    /// <summary>Converts a caller's value to the stored model, rejecting what cannot be stored.</summary>
    public static object? Normalize(object? value) => value switch
    {
        null => null,
        FieldValue => value,
        bool or long or double or string => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        float f => (double)f,
        decimal m => (double)m,
        byte[] bytes => bytes,
        DateTimeOffset t => TruncateToMicroseconds(t.ToUniversalTime()),
        DateTime t => TruncateToMicroseconds(new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())),
        Enum e => e.ToString(),
        IReadOnlyDictionary<string, object?> map => NormalizeMap(map),
        IDictionary<string, object?> map => NormalizeMap(map.AsReadOnly()),
        IEnumerable list when value is not string => list.Cast<object?>().Select(NormalizeListItem).ToList(),
        _ => throw new ArgumentException($"Values of type {value.GetType().Name} cannot be stored in a document."),
    };

    public static Dictionary<string, object?> NormalizeMap(IReadOnlyDictionary<string, object?> map)
    {
        var result = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            if (string.IsNullOrEmpty(key))
            {
                throw new ArgumentException("Field names cannot be empty.");
            }

            result[key] = Normalize(value);
        }

        return result;
    }

    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset t) =>
        new(t.UtcTicks - (t.UtcTicks % 10), TimeSpan.Zero);

    private static object? NormalizeListItem(object? item)
    {
        var normalized = Normalize(item);
        if (normalized is FieldValue)
        {
            throw new ArgumentException("Field transforms cannot appear inside lists.");
        }

        if (normalized is IReadOnlyList<object?>)
        {
            // Firestore forbids an array directly inside an array; a map between them is fine.
            throw new ArgumentException("A list cannot directly contain another list.");
        }

        return normalized;
    }

    public static string[] SplitFieldPath(string fieldPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(fieldPath);
        var segments = fieldPath.Split('.');
        if (segments.Any(s => s.Length == 0))
        {
            throw new ArgumentException($"'{fieldPath}' is not a valid field path.", nameof(fieldPath));
        }

        return segments;
    }

    public static bool TryGetField(IReadOnlyDictionary<string, object?> data, string fieldPath, out object? value)
    {
        object? current = data;
        foreach (var segment in SplitFieldPath(fieldPath))
        {
            if (current is IReadOnlyDictionary<string, object?> map && map.TryGetValue(segment, out var next))
            {
                current = next;
            }
            else
            {
                value = null;
                return false;
            }
        }

        value = current;
        return true;
    }

    /// <summary>
    /// Applies a write to a document's data as Firestore does: <paramref name="fields"/> keyed by field
    /// path (<paramref name="replace"/> = false) or a whole new document (<paramref name="replace"/> =
    /// true), resolving <see cref="FieldValue"/> transforms against <paramref name="commitTime"/>.
    /// Used by adapters that have no server-side transforms.
    /// </summary>
    public static Dictionary<string, object?> ApplyWrite(IReadOnlyDictionary<string, object?>? existing, IReadOnlyDictionary<string, object?> fields, bool replace, DateTimeOffset commitTime)
    {
        var result = replace || existing is null ? new Dictionary<string, object?>(StringComparer.Ordinal) : DeepCopy(existing);
        foreach (var (fieldPath, raw) in fields)
        {
            var segments = replace ? [fieldPath] : SplitFieldPath(fieldPath);
            var parent = result;
            for (var i = 0; i < segments.Length - 1; i++)
            {
                if (parent.TryGetValue(segments[i], out var child) && child is Dictionary<string, object?> childMap)
                {
                    parent = childMap;
                }
                else
                {
                    var created = new Dictionary<string, object?>(StringComparer.Ordinal);
                    parent[segments[i]] = created;
                    parent = created;
                }
            }

            var leaf = segments[^1];
            switch (Normalize(raw))
            {
                case FieldValue.DeleteValue:
                    parent.Remove(leaf);
                    break;
                case FieldValue.ServerTimestampValue:
                    parent[leaf] = TruncateToMicroseconds(commitTime);
                    break;
                case FieldValue.IncrementValue increment:
                    parent.TryGetValue(leaf, out var current);
                    parent[leaf] = Add(current, increment.By);
                    break;
                // A map value replaces the field whole; transforms inside it still apply, as in Firestore.
                case IReadOnlyDictionary<string, object?> map:
                    parent[leaf] = ApplyWrite(null, map, replace: true, commitTime);
                    break;
                case var value:
                    parent[leaf] = value;
                    break;
            }
        }

        return result;
    }

    private static object Add(object? current, object by) => (current, by) switch
    {
        (long a, long b) => unchecked(a + b),
        (long a, double b) => a + b,
        (double a, long b) => a + b,
        (double a, double b) => a + b,
        // Firestore: a missing or non-numeric field is set to the increment itself.
        _ => by,
    };

    private static Dictionary<string, object?> DeepCopy(IReadOnlyDictionary<string, object?> map)
    {
        var copy = new Dictionary<string, object?>(map.Count, StringComparer.Ordinal);
        foreach (var (key, value) in map)
        {
            copy[key] = value is IReadOnlyDictionary<string, object?> child ? DeepCopy(child) : value;
        }

        return copy;
    }

    /// <summary>Firestore's total order over values: type order first, then value order.</summary>
    public static int Compare(object? a, object? b)
    {
        var byType = TypeRank(a).CompareTo(TypeRank(b));
        if (byType != 0)
        {
            return byType;
        }

        return (a, b) switch
        {
            (null, null) => 0,
            (bool x, bool y) => x.CompareTo(y),
            (DateTimeOffset x, DateTimeOffset y) => x.CompareTo(y),
            (string x, string y) => CompareUtf8(x, y),
            (byte[] x, byte[] y) => x.AsSpan().SequenceCompareTo(y),
            (IReadOnlyList<object?> x, IReadOnlyList<object?> y) => CompareLists(x, y),
            (IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y) => CompareMaps(x, y),
            _ => Convert.ToDouble(a, CultureInfo.InvariantCulture).CompareTo(Convert.ToDouble(b, CultureInfo.InvariantCulture)),
        };
    }

    public static new bool Equals(object? a, object? b) => Compare(a, b) == 0;

    private static int TypeRank(object? value) => value switch
    {
        null => 0,
        bool => 1,
        long or double => 2,
        DateTimeOffset => 3,
        string => 4,
        byte[] => 5,
        IReadOnlyList<object?> => 8,
        IReadOnlyDictionary<string, object?> => 9,
        _ => 10,
    };

    private static int CompareUtf8(string x, string y) =>
        Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));

    private static int CompareLists(IReadOnlyList<object?> x, IReadOnlyList<object?> y)
    {
        for (var i = 0; i < Math.Min(x.Count, y.Count); i++)
        {
            var c = Compare(x[i], y[i]);
            if (c != 0)
            {
                return c;
            }
        }

        return x.Count.CompareTo(y.Count);
    }

    private static int CompareMaps(IReadOnlyDictionary<string, object?> x, IReadOnlyDictionary<string, object?> y)
    {
        var xs = x.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        var ys = y.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        for (var i = 0; i < Math.Min(xs.Count, ys.Count); i++)
        {
            var c = CompareUtf8(xs[i].Key, ys[i].Key);
            if (c == 0)
            {
                c = Compare(xs[i].Value, ys[i].Value);
            }

            if (c != 0)
            {
                return c;
            }
        }

        return xs.Count.CompareTo(ys.Count);
    }

    /// <summary>JSON that keeps the value types apart (timestamps and bytes are tagged); for cursors and caches.</summary>
    public static string ToTaggedJson(object? value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            WriteTagged(writer, Normalize(value));
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static object? FromTaggedJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ReadTagged(document.RootElement);
    }

    private static void WriteTagged(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case long l: writer.WriteStartObject(); writer.WriteString("i", l.ToString(CultureInfo.InvariantCulture)); writer.WriteEndObject(); break;
            case double d: writer.WriteStartObject(); writer.WriteString("d", d.ToString("R", CultureInfo.InvariantCulture)); writer.WriteEndObject(); break;
            case string s: writer.WriteStringValue(s); break;
            case byte[] bytes: writer.WriteStartObject(); writer.WriteBase64String("b", bytes); writer.WriteEndObject(); break;
            case DateTimeOffset t: writer.WriteStartObject(); writer.WriteString("t", t.UtcTicks.ToString(CultureInfo.InvariantCulture)); writer.WriteEndObject(); break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    WriteTagged(writer, item);
                }

                writer.WriteEndArray();
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                writer.WriteStartObject("m");
                foreach (var (key, item) in map)
                {
                    writer.WritePropertyName(key);
                    WriteTagged(writer, item);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            default: throw new ArgumentException($"Values of type {value.GetType().Name} cannot be written.");
        }
    }

    private static object? ReadTagged(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String: return element.GetString();
            case JsonValueKind.Array: return element.EnumerateArray().Select(ReadTagged).ToList();
            case JsonValueKind.Object:
                var property = element.EnumerateObject().Single();
                return property.Name switch
                {
                    "i" => long.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture),
                    "d" => double.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture),
                    "b" => property.Value.GetBytesFromBase64(),
                    "t" => new DateTimeOffset(long.Parse(property.Value.GetString()!, CultureInfo.InvariantCulture), TimeSpan.Zero),
                    "m" => property.Value.EnumerateObject().ToDictionary(p => p.Name, p => ReadTagged(p.Value), StringComparer.Ordinal),
                    _ => throw new FormatException($"Unknown value tag '{property.Name}'."),
                };
            default:
                throw new FormatException($"Unexpected JSON {element.ValueKind}.");
        }
    }
}
