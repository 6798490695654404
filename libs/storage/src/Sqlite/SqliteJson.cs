using System.Globalization;
using System.Text;
using System.Text.Json;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Sqlite;

/// <summary>
/// How document values live in SQLite's JSON so that <c>json_extract</c> can filter and order them:
/// numbers stay JSON numbers (doubles always carry a decimal point), and the types JSON lacks are
/// strings behind a private-use tag character, chosen so timestamps sort chronologically.
/// </summary>
internal static class SqliteJson
{
    public const char Tag = '\uE000';
    public const string TimestampTag = "\uE000T:";
    public const string BytesTag = "\uE000B:";
    public const string EscapedStringTag = "\uE000S:";
    public const string DoubleTag = "\uE000D:";
    private const string TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'";

    public static string Serialize(IReadOnlyDictionary<string, object?> data)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, data);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    public static Dictionary<string, object?> Deserialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return (Dictionary<string, object?>)Read(document.RootElement)!;
    }

    /// <summary>The SQL parameter value that compares equal to <paramref name="value"/> as stored.</summary>
    public static object ToSqlValue(object? value) => value switch
    {
        null => DBNull.Value,
        bool b => b ? 1L : 0L,
        long l => l,
        double d when double.IsFinite(d) => d,
        double d => DoubleTag + d.ToString("R", CultureInfo.InvariantCulture),
        string s => EncodeString(s),
        DateTimeOffset t => EncodeTimestamp(t),
        byte[] bytes => BytesTag + Convert.ToBase64String(bytes),
        IReadOnlyList<object?> or IReadOnlyDictionary<string, object?> => WriteValueJson(value),
        _ => throw new ArgumentException($"Values of type {value.GetType().Name} cannot be queried."),
    };

    /// <summary>The <c>json_type</c> names a stored value of this kind has.</summary>
    public static string[] JsonTypesOf(object? value) => value switch
    {
        null => ["null"],
        bool => ["true", "false"],
        long or double => ["integer", "real"],
        IReadOnlyList<object?> => ["array"],
        IReadOnlyDictionary<string, object?> => ["object"],
        _ => ["text"],
    };

    public static string EncodeTimestamp(DateTimeOffset t) =>
        TimestampTag + t.UtcDateTime.ToString(TimestampFormat, CultureInfo.InvariantCulture);

    private static string EncodeString(string s) => s.Length > 0 && s[0] == Tag ? EscapedStringTag + s : s;

    private static string WriteValueJson(object value)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case bool b: writer.WriteBooleanValue(b); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d when double.IsFinite(d):
                var text = d.ToString("R", CultureInfo.InvariantCulture);
                writer.WriteRawValue(text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0");
                break;
            case double d: writer.WriteStringValue(DoubleTag + d.ToString("R", CultureInfo.InvariantCulture)); break;
            case string s: writer.WriteStringValue(EncodeString(s)); break;
            case DateTimeOffset t: writer.WriteStringValue(EncodeTimestamp(t)); break;
            case byte[] bytes: writer.WriteStringValue(BytesTag + Convert.ToBase64String(bytes)); break;
            case IReadOnlyList<object?> list:
                writer.WriteStartArray();
                foreach (var item in list)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case IReadOnlyDictionary<string, object?> map:
                writer.WriteStartObject();
                // Sorted keys make equal maps serialize equally, so equality filters on maps work.
                foreach (var (key, item) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, item);
                }

                writer.WriteEndObject();
                break;
            default: throw new ArgumentException($"Values of type {value.GetType().Name} cannot be stored.");
        }
    }

    private static object? Read(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Null: return null;
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number:
                var raw = element.GetRawText();
                return raw.Contains('.', StringComparison.Ordinal) || raw.Contains('e', StringComparison.OrdinalIgnoreCase)
                    ? element.GetDouble()
                    : (object)element.GetInt64();
            case JsonValueKind.String: return DecodeString(element.GetString()!);
            case JsonValueKind.Array: return element.EnumerateArray().Select(Read).ToList();
            case JsonValueKind.Object:
                var map = new Dictionary<string, object?>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    map[property.Name] = Read(property.Value);
                }

                return map;
            default: throw new FormatException($"Unexpected JSON {element.ValueKind} in a stored document.");
        }
    }

    private static object DecodeString(string s)
    {
        if (s.Length == 0 || s[0] != Tag)
        {
            return s;
        }

        if (s.StartsWith(TimestampTag, StringComparison.Ordinal))
        {
            return new DateTimeOffset(DateTime.ParseExact(s[TimestampTag.Length..], TimestampFormat, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), TimeSpan.Zero);
        }

        if (s.StartsWith(BytesTag, StringComparison.Ordinal))
        {
            return Convert.FromBase64String(s[BytesTag.Length..]);
        }

        if (s.StartsWith(DoubleTag, StringComparison.Ordinal))
        {
            return double.Parse(s[DoubleTag.Length..], CultureInfo.InvariantCulture);
        }

        return s.StartsWith(EscapedStringTag, StringComparison.Ordinal) ? s[EscapedStringTag.Length..] : s;
    }

    /// <summary>A SQLite JSON path for a dotted field path: <c>a.b</c> becomes <c>$."a"."b"</c>.</summary>
    public static string JsonPath(string fieldPath)
    {
        var builder = new StringBuilder("$");
        foreach (var segment in DocumentValues.SplitFieldPath(fieldPath))
        {
            if (segment.Contains('"', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Field names with double quotes cannot be queried: '{fieldPath}'.", nameof(fieldPath));
            }

            builder.Append(".\"").Append(segment).Append('"');
        }

        return builder.ToString();
    }
}
