using System.Globalization;

namespace PocketCode.Storage.Documents;

/// <summary>A document as read, with the times the store assigned.</summary>
public sealed class DocumentSnapshot
{
    public DocumentSnapshot(string path, IReadOnlyDictionary<string, object?> data, DateTimeOffset createTime, DateTimeOffset updateTime)
    {
        DocumentPaths.ValidateDocumentPath(path);
        Path = path;
        Data = data;
        CreateTime = createTime;
        UpdateTime = updateTime;
    }

    public string Path { get; }

    public string Id => DocumentPaths.IdOf(Path);

    public IReadOnlyDictionary<string, object?> Data { get; }

    public DateTimeOffset CreateTime { get; }

    public DateTimeOffset UpdateTime { get; }

    /// <summary>An opaque version usable as an HTTP ETag.</summary>
    public string Version => UpdateTime.UtcTicks.ToString(CultureInfo.InvariantCulture);

    /// <summary>Reads a (possibly nested, dotted) field; <c>null</c> when absent.</summary>
    public object? this[string fieldPath] => DocumentValues.TryGetField(Data, fieldPath, out var value) ? value : null;

    public bool Has(string fieldPath) => DocumentValues.TryGetField(Data, fieldPath, out _);

    public string? GetString(string fieldPath) => this[fieldPath] as string;

    public long? GetInt64(string fieldPath) => this[fieldPath] switch
    {
        long l => l,
        double d => (long)d,
        _ => null,
    };

    public double? GetDouble(string fieldPath) => this[fieldPath] switch
    {
        double d => d,
        long l => l,
        _ => null,
    };

    public bool? GetBoolean(string fieldPath) => this[fieldPath] as bool?;

    public DateTimeOffset? GetTimestamp(string fieldPath) => this[fieldPath] as DateTimeOffset?;

    public IReadOnlyList<object?>? GetArray(string fieldPath) => this[fieldPath] as IReadOnlyList<object?>;

    public IReadOnlyDictionary<string, object?>? GetMap(string fieldPath) => this[fieldPath] as IReadOnlyDictionary<string, object?>;
}
