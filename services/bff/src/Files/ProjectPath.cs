using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using PocketCode.Platform;

namespace PocketCode.Bff.Files;

/// <summary>
/// A file's path inside a project: the one place paths from URLs, JSON bodies and zip entries are
/// checked before they become blob names. A valid path is relative and <c>/</c>-separated, with
/// no empty, <c>.</c> or <c>..</c> segments, no backslashes, control characters or unpaired
/// surrogates, no encoded slashes (<c>%2F</c>, <c>%5C</c>), no drive letter, no <c>.git</c> segment (the folder is pushed to git later, where a
/// <c>.git/</c> entry could plant hooks), at most <see cref="MaxBytes"/> UTF-8 bytes in all,
/// <see cref="MaxSegmentBytes"/> per segment and <see cref="MaxDepth"/> segments.
/// </summary>
internal sealed class ProjectPath : IEquatable<ProjectPath>
{
    public const int MaxBytes = 512;
    public const int MaxSegmentBytes = 255;
    public const int MaxDepth = 32;

    private ProjectPath(string value) => Value = value;

    public string Value { get; }

    public IEnumerable<ProjectPath> Ancestors()
    {
        for (var slash = Value.LastIndexOf('/'); slash > 0; slash = Value.LastIndexOf('/', slash - 1))
        {
            yield return new ProjectPath(Value[..slash]);
        }
    }

    public static bool TryParse(string? raw, [NotNullWhen(true)] out ProjectPath? path, [NotNullWhen(false)] out string? error)
    {
        path = null;
        error = Check(raw);
        if (error is not null)
        {
            return false;
        }

        path = new ProjectPath(raw!);
        return true;
    }

    /// <summary>Parses or throws a 400 problem naming what is wrong.</summary>
    public static ProjectPath Parse(string? raw, string what = "path") =>
        TryParse(raw, out var path, out var error)
            ? path
            : throw new ProblemException(400, ProblemCodes.ValidationFailed, $"The {what} '{Printable(raw)}' is not allowed: {error}");

    private static string? Check(string? raw)
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

    // Echoing a hostile path back verbatim could put control characters into logs and UIs.
    private static string Printable(string? raw)
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

    public bool Equals(ProjectPath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ProjectPath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
