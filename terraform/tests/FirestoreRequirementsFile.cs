using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using PocketCode.Storage.Documents;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// <c>terraform/firestore_requirements.json</c>: every composite index and TTL policy the services
/// declare in code (AddDocumentStoreRequirements), which <c>firestore.tf</c> turns into one
/// <c>google_firestore_index</c> / <c>google_firestore_field</c> each with <c>for_each</c>. Written
/// only by <see cref="Render"/> (see <see cref="RegenerateCommand"/>); the keys are the resources'
/// <c>for_each</c> keys, so they stay stable while the declaration does not change.
/// </summary>
public static class FirestoreRequirementsFile
{
    public const string FileName = "firestore_requirements.json";

    /// <summary>Set to 1 to have <c>FirestoreTests</c> write the file instead of comparing it.</summary>
    public const string UpdateVariable = "UPDATE_FIRESTORE_REQUIREMENTS";

    public const string RegenerateCommand =
        UpdateVariable + "=1 dotnet test terraform/tests --filter FullyQualifiedName~FirestoreTests";

    public static string Path { get; } = System.IO.Path.Combine(TerraformConfig.Folder, FileName);

    /// <summary>The <c>for_each</c> key of an index: <c>collection/field:ASC,field:CONTAINS,field:DESC</c>.</summary>
    public static string Key(CompositeIndex index) =>
        index.Collection + "/" + string.Join(",", index.Fields.Select(field => field.FieldPath + ":" + field.Mode switch
        {
            IndexFieldMode.Ascending => "ASC",
            IndexFieldMode.Descending => "DESC",
            IndexFieldMode.ArrayContains => "CONTAINS",
            _ => throw new ArgumentOutOfRangeException(nameof(index), field.Mode, "Unknown index field mode."),
        }));

    /// <summary>The <c>for_each</c> key of a TTL policy: <c>collection/field</c>.</summary>
    public static string Key(TtlPolicy policy) => policy.Collection + "/" + policy.TimestampField;

    /// <summary>What the file holds: indexes and TTL policies by key.</summary>
    public sealed record Contents(IReadOnlyDictionary<string, CompositeIndex> Indexes, IReadOnlyDictionary<string, TtlPolicy> TtlPolicies);

    /// <summary>The file's text for the given declarations (service name → what it declared), sorted by key.</summary>
    public static string Render(IReadOnlyDictionary<string, DocumentStoreRequirementsCatalog> declaredByService)
    {
        var indexes = new SortedDictionary<string, (CompositeIndex Index, SortedSet<string> Services)>(StringComparer.Ordinal);
        var ttlPolicies = new SortedDictionary<string, (TtlPolicy Policy, SortedSet<string> Services)>(StringComparer.Ordinal);
        foreach (var (service, catalog) in declaredByService)
        {
            foreach (var index in catalog.Indexes)
            {
                var key = Key(index);
                if (!indexes.TryGetValue(key, out var entry))
                {
                    indexes[key] = entry = (index, new SortedSet<string>(StringComparer.Ordinal));
                }

                entry.Services.Add(service);
            }

            foreach (var policy in catalog.TtlPolicies)
            {
                var key = Key(policy);
                if (!ttlPolicies.TryGetValue(key, out var entry))
                {
                    ttlPolicies[key] = entry = (policy, new SortedSet<string>(StringComparer.Ordinal));
                }

                entry.Services.Add(service);
            }
        }

        var text = new StringBuilder();
        text.Append("{\n");
        text.Append("  \"about\": ").Append(Quote(
            "Generated from the composite indexes and TTL policies the services declare in code (AddDocumentStoreRequirements); " +
            "terraform/firestore.tf creates one resource per entry. Do not edit: regenerate with " + RegenerateCommand)).Append(",\n");

        text.Append("  \"indexes\": {\n");
        var i = 0;
        foreach (var (key, (index, services)) in indexes)
        {
            text.Append("    ").Append(Quote(key)).Append(": {\n");
            text.Append("      \"collection\": ").Append(Quote(index.Collection)).Append(",\n");
            text.Append("      \"declared_by\": ").Append(QuoteAll(services)).Append(",\n");
            text.Append("      \"fields\": [\n");
            for (var f = 0; f < index.Fields.Count; f++)
            {
                var field = index.Fields[f];
                text.Append("        { \"field_path\": ").Append(Quote(field.FieldPath)).Append(", ").Append(field.Mode switch
                {
                    IndexFieldMode.Ascending => "\"order\": \"ASCENDING\"",
                    IndexFieldMode.Descending => "\"order\": \"DESCENDING\"",
                    _ => "\"array_config\": \"CONTAINS\"",
                }).Append(f < index.Fields.Count - 1 ? " },\n" : " }\n");
            }

            text.Append("      ]\n");
            text.Append(++i < indexes.Count ? "    },\n" : "    }\n");
        }

        text.Append("  },\n");
        text.Append("  \"ttl_policies\": {\n");
        i = 0;
        foreach (var (key, (policy, services)) in ttlPolicies)
        {
            text.Append("    ").Append(Quote(key)).Append(": { \"collection\": ").Append(Quote(policy.Collection))
                .Append(", \"field\": ").Append(Quote(policy.TimestampField))
                .Append(", \"declared_by\": ").Append(QuoteAll(services))
                .Append(++i < ttlPolicies.Count ? " },\n" : " }\n");
        }

        text.Append("  }\n");
        text.Append("}\n");
        return text.ToString();
    }

    /// <summary>The file as written on disk, with its line endings normalised.</summary>
    public static string ReadText() => File.ReadAllText(Path).ReplaceLineEndings("\n");

    /// <summary>Parses the file's text; throws naming the entry when one is not what firestore.tf can consume.</summary>
    public static Contents Parse(string text)
    {
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        var indexes = new Dictionary<string, CompositeIndex>(StringComparer.Ordinal);
        foreach (var entry in ObjectProperty(root, "indexes", FileName).EnumerateObject())
        {
            var where = $"{FileName} indexes[\"{entry.Name}\"]";
            var fields = ArrayProperty(entry.Value, "fields", where).EnumerateArray().Select((field, n) =>
            {
                var fieldWhere = $"{where}.fields[{n}]";
                var unknown = field.EnumerateObject().Select(p => p.Name).Except(["field_path", "order", "array_config"]).ToList();
                if (unknown.Count > 0)
                {
                    throw new InvalidDataException($"{fieldWhere} has {string.Join(", ", unknown)}: firestore.tf only passes field_path, order and array_config.");
                }

                var path = StringProperty(field, "field_path", fieldWhere);
                var order = field.TryGetProperty("order", out var o) ? o.GetString() : null;
                var array = field.TryGetProperty("array_config", out var a) ? a.GetString() : null;
                return (order, array) switch
                {
                    ("ASCENDING", null) => IndexField.Asc(path),
                    ("DESCENDING", null) => IndexField.Desc(path),
                    (null, "CONTAINS") => IndexField.Contains(path),
                    _ => throw new InvalidDataException($"{fieldWhere} needs exactly one of order (ASCENDING, DESCENDING) or array_config (CONTAINS)."),
                };
            }).ToArray();
            var index = new CompositeIndex(StringProperty(entry.Value, "collection", where), fields);
            indexes.Add(CheckedKey(entry.Name, Key(index), where), index);
        }

        var ttlPolicies = new Dictionary<string, TtlPolicy>(StringComparer.Ordinal);
        foreach (var entry in ObjectProperty(root, "ttl_policies", FileName).EnumerateObject())
        {
            var where = $"{FileName} ttl_policies[\"{entry.Name}\"]";
            var policy = new TtlPolicy(StringProperty(entry.Value, "collection", where), StringProperty(entry.Value, "field", where));
            ttlPolicies.Add(CheckedKey(entry.Name, Key(policy), where), policy);
        }

        return new Contents(indexes, ttlPolicies);
    }

    private static string CheckedKey(string key, string expected, string where) =>
        key == expected ? key : throw new InvalidDataException($"{where}: the key of this entry is \"{expected}\".");

    private static JsonElement ObjectProperty(JsonElement parent, string name, string where) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object
            ? value
            : throw new InvalidDataException($"{where} needs an object \"{name}\".");

    private static JsonElement ArrayProperty(JsonElement parent, string name, string where) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array && value.GetArrayLength() > 0
            ? value
            : throw new InvalidDataException($"{where} needs a non-empty array \"{name}\".");

    private static string StringProperty(JsonElement parent, string name, string where) =>
        parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException($"{where} needs a string \"{name}\".");

    private static string Quote(string value) =>
        "\"" + JsonEncodedText.Encode(value, JavaScriptEncoder.UnsafeRelaxedJsonEscaping) + "\"";

    private static string QuoteAll(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(Quote)) + "]";
}
