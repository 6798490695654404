namespace PocketCode.Storage.Documents;

internal enum WriteKind
{
    Create,
    Set,
    Update,
    Delete,
}

/// <summary>A write buffered by a transaction (or a single write) until commit.</summary>
internal sealed record PendingWrite(WriteKind Kind, string Path, IReadOnlyDictionary<string, object?>? Data, Precondition? Precondition)
{
    public static PendingWrite Create(string path, IReadOnlyDictionary<string, object?> data) => New(WriteKind.Create, path, data, null);

    public static PendingWrite Set(string path, IReadOnlyDictionary<string, object?> data) => New(WriteKind.Set, path, data, null);

    public static PendingWrite Update(string path, IReadOnlyDictionary<string, object?> fields, Precondition? precondition)
    {
        if (fields.Count == 0)
        {
            throw new ArgumentException("An update names at least one field.", nameof(fields));
        }

        foreach (var key in fields.Keys)
        {
            DocumentValues.SplitFieldPath(key);
        }

        return New(WriteKind.Update, path, fields, precondition);
    }

    public static PendingWrite Delete(string path, Precondition? precondition) => New(WriteKind.Delete, path, null, precondition);

    private static PendingWrite New(WriteKind kind, string path, IReadOnlyDictionary<string, object?>? data, Precondition? precondition)
    {
        DocumentPaths.ValidateDocumentPath(path);
        ArgumentNullException.ThrowIfNull(kind == WriteKind.Delete ? string.Empty : data, nameof(data));
        return new PendingWrite(kind, path, data is null ? null : DocumentValues.NormalizeMap(data), precondition);
    }
}

/// <summary>Jittered exponential backoff for transaction reruns.</summary>
internal static class Backoff
{
    public static TimeSpan Jittered(int attempt, int baseMilliseconds = 5, int capMilliseconds = 500)
    {
        var ceiling = Math.Min(capMilliseconds, baseMilliseconds * (1 << Math.Min(attempt, 16)));
        return TimeSpan.FromMilliseconds(Random.Shared.Next(baseMilliseconds, Math.Max(baseMilliseconds + 1, ceiling)));
    }
}
