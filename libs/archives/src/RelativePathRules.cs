using System.Globalization;
using System.Text;

namespace PocketCode.Archives;

/// <summary>
/// The rules for a file path inside a project or an archive, shared by every service that turns
/// paths from URLs, JSON bodies and zip entries into blob names. A valid path is relative and
/// <c>/</c>-separated, with no empty, <c>.</c> or <c>..</c> segments, no backslashes, control
/// characters or unpaired surrogates, no encoded slashes (<c>%2F</c>, <c>%5C</c>), no drive letter,
/// no <c>.git</c> segment (the folder is pushed to git later, where a <c>.git/</c> entry could
/// plant hooks), at most <see cref="MaxBytes"/> UTF-8 bytes in all, <see cref="MaxSegmentBytes"/>
/// per segment and <see cref="MaxDepth"/> segments.
/// </summary>
public static class RelativePathRules
{
    public const int MaxBytes = 512;
    public const int MaxSegmentBytes = 255;
    public const int MaxDepth = 32;

    /// <summary>Why <paramref name="raw"/> is not an allowed path, or null when it is.</summary>
    public static string? Check(string? raw)
    {
        if (string.IsNullOrEmpty(raw))
        {
            return "it is empty.";
        }

        if (raw[0] == '/')
        {
            return "paths are relative to the project; it starts with '/'.";
        }

        if (raw.Contains('\\', StringComparison.Ordinal))
        {
            return "use '/' between folders; backslashes are not allowed.";
        }

        foreach (var c in raw)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                return "it contains control characters.";
            }
        }

        if (!IsWellFormedUtf16(raw))
        {
            return "it is not valid Unicode.";
        }

        if (Encoding.UTF8.GetByteCount(raw) > MaxBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is longer than {MaxBytes} bytes.");
        }

        var segments = raw.Split('/');
        if (segments.Length > MaxDepth)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is nested deeper than {MaxDepth} levels.");
        }

        if (segments[0].Length == 2 && char.IsAsciiLetter(segments[0][0]) && segments[0][1] == ':')
        {
            return "drive letters are not allowed; paths are relative to the project.";
        }

        foreach (var segment in segments)
        {
            if (segment.Length == 0)
            {
                return "it has an empty segment ('//' or a trailing '/').";
            }

            if (segment is "." or "..")
            {
                return "'.' and '..' segments are not allowed.";
            }

            if (Encoding.UTF8.GetByteCount(segment) > MaxSegmentBytes)
            {
                return string.Create(CultureInfo.InvariantCulture, $"a segment is longer than {MaxSegmentBytes} bytes.");
            }

            // ASP.NET Core leaves %2F (and Kestrel %5C) undecoded in a URL path, so a name holding
            // them could be addressed two ways; such names only come from traversal attempts.
            if (segment.Contains("%2F", StringComparison.OrdinalIgnoreCase) || segment.Contains("%5C", StringComparison.OrdinalIgnoreCase))
            {
                return "encoded slashes (%2F, %5C) are not allowed; separate folders with '/'.";
            }

            if (segment.Equals(".git", StringComparison.OrdinalIgnoreCase))
            {
                return "'.git' is reserved for version control.";
            }
        }

        return null;
    }

    /// <summary>The folders above a valid path, innermost first: <c>a/b/c</c> gives <c>a/b</c>, <c>a</c>.</summary>
    public static IEnumerable<string> AncestorsOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    /// <summary>Echoing a hostile path back verbatim could put control characters into logs and UIs.</summary>
    public static string Printable(string? raw)
    {
        if (raw is null)
        {
            return string.Empty;
        }

        var builder = new StringBuilder(Math.Min(raw.Length, 120));
        foreach (var c in raw.Take(120))
        {
            builder.Append(char.IsControl(c) || char.IsSurrogate(c) ? '?' : c);
        }

        return raw.Length > 120 ? builder + "..." : builder.ToString();
    }

    private static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
