namespace PocketCode.Storage.Documents;

/// <summary>Rules for document and collection paths, shared by every adapter.</summary>
public static class DocumentPaths
{
    public const int MaxSegmentLength = 1500;

    public static string[] Split(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var segments = path.Split('/');
        foreach (var segment in segments)
        {
            if (segment.Length == 0 || segment == "." || segment == ".." || segment.Length > MaxSegmentLength
                || (segment.StartsWith("__", StringComparison.Ordinal) && segment.EndsWith("__", StringComparison.Ordinal)))
            {
                throw new ArgumentException($"'{path}' is not a valid document path: segment '{segment}' is not allowed.", nameof(path));
            }
        }

        return segments;
    }

    public static void ValidateDocumentPath(string path)
    {
        if (Split(path).Length % 2 != 0)
        {
            throw new ArgumentException($"'{path}' is not a document path: it must have an even number of segments.", nameof(path));
        }
    }

    public static void ValidateCollectionPath(string path)
    {
        if (Split(path).Length % 2 != 1)
        {
            throw new ArgumentException($"'{path}' is not a collection path: it must have an odd number of segments.", nameof(path));
        }
    }

    public static string IdOf(string documentPath) => documentPath[(documentPath.LastIndexOf('/') + 1)..];

    public static string CollectionOf(string documentPath) => documentPath[..documentPath.LastIndexOf('/')];

    public static string Combine(string collectionPath, string id) => collectionPath + "/" + id;
}
