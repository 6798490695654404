using Microsoft.AspNetCore.StaticFiles;

namespace PocketCode.Bff.Projects.Files;

/// <summary>
/// The media type stored with a source file, derived from its name only: a client-chosen type
/// (say <c>text/html</c> on a file it later downloads) would let an upload decide how it is rendered.
/// </summary>
internal static class ContentTypes
{
    private const string Text = "text/plain; charset=utf-8";

    private static readonly FileExtensionContentTypeProvider Known = new();

    private static readonly HashSet<string> SourceExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".kt", ".kts", ".java", ".gradle", ".properties", ".pro", ".toml", ".md", ".txt", ".gitignore", ".cfg",
        ".c", ".cpp", ".h", ".hpp", ".cmake", ".sh", ".bat", ".yml", ".yaml", ".aidl", ".gitattributes",
    };

    public static string For(string path)
    {
        var name = path[(path.LastIndexOf('/') + 1)..];
        var extension = Path.GetExtension(name);
        if (SourceExtensions.Contains(extension) || SourceExtensions.Contains(name))
        {
            return Text;
        }

        if (extension.Equals(".xml", StringComparison.OrdinalIgnoreCase))
        {
            return "application/xml; charset=utf-8";
        }

        if (extension.Equals(".json", StringComparison.OrdinalIgnoreCase))
        {
            return "application/json; charset=utf-8";
        }

        // Images and fonts keep their types; anything that a browser would run becomes plain bytes.
        return Known.TryGetContentType(name, out var type) && !type.Contains("html", StringComparison.OrdinalIgnoreCase)
            && !type.Contains("javascript", StringComparison.OrdinalIgnoreCase) && !type.Contains("svg", StringComparison.OrdinalIgnoreCase)
            ? type
            : "application/octet-stream";
    }
}
