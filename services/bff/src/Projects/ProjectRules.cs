using System.Globalization;
using PocketCode.Bff.Projects.Templates;

namespace PocketCode.Bff.Projects;

/// <summary>The rules a project's fields obey; one place for the API and any other caller.</summary>
internal static class ProjectRules
{
    public const int MaxNameLength = 100;

    /// <summary>Android caps the application id (the package name) at 255 characters.</summary>
    public const int MaxApplicationIdLength = 255;

    private static readonly HashSet<string> JavaKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "assert", "boolean", "break", "byte", "case", "catch", "char", "class", "const", "continue",
        "default", "do", "double", "else", "enum", "extends", "final", "finally", "float", "for", "goto", "if",
        "implements", "import", "instanceof", "int", "interface", "long", "native", "new", "package", "private",
        "protected", "public", "return", "short", "static", "strictfp", "super", "switch", "synchronized", "this",
        "throw", "throws", "transient", "try", "void", "volatile", "while",
        // Literals cannot name a package either.
        "true", "false", "null",
        // Reserved since Java 9 as a single identifier.
        "_",
    };

    /// <summary>
    /// Android's rules for an application id: at least two dot-separated segments, each starting
    /// with an ASCII letter and made of ASCII letters, digits and underscores, none a Java keyword,
    /// at most 255 characters. Returns a message for the caller, or null when the id is valid.
    /// </summary>
    public static string? ValidateApplicationId(string? applicationId)
    {
        if (string.IsNullOrEmpty(applicationId))
        {
            return "An application id is required, e.g. com.example.myapp.";
        }

        if (applicationId.Length > MaxApplicationIdLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"An application id has at most {MaxApplicationIdLength} characters.");
        }

        var segments = applicationId.Split('.');
        if (segments.Length < 2)
        {
            return "An application id has at least two segments separated by dots, e.g. com.example.myapp.";
        }

        foreach (var segment in segments)
        {
            if (segment.Length == 0)
            {
                return "An application id cannot have empty segments (two dots in a row, or a dot at either end).";
            }

            if (!char.IsAsciiLetter(segment[0]))
            {
                return $"Each segment of an application id starts with a letter; '{segment}' does not.";
            }

            if (!segment.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return $"An application id holds only letters, digits and underscores between its dots; '{segment}' has other characters.";
            }

            if (JavaKeywords.Contains(segment))
            {
                return $"'{segment}' is a Java keyword and cannot be a segment of an application id.";
            }
        }

        return null;
    }

    /// <summary>A display name: trimmed, 1-100 characters, no control or format characters. Returns a message or null.</summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return "A project name is required.";
        }

        if (name.Length > MaxNameLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"A project name has at most {MaxNameLength} characters.");
        }

        foreach (var c in name)
        {
            // Line breaks would corrupt the XML and Gradle files the name is written into, and
            // bidi overrides disguise a name in a list. Other format characters (the zero-width
            // joiner of emoji sequences) are fine.
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\u061C' or '\u200E' or '\u200F'
                || c is >= '\u202A' and <= '\u202E' || c is >= '\u2066' and <= '\u2069')
            {
                return "A project name cannot contain control, line-break or text-direction characters.";
            }
        }

        if (!IsWellFormedUtf16(name))
        {
            return "A project name cannot contain unpaired surrogate characters.";
        }

        return null;
    }

    public static string NormalizeName(string name) => name.Trim();

    public static string? ValidateTemplate(string? template) =>
        StarterTemplates.IsKnown(template)
            ? null
            : $"Unknown template '{template}'; known templates: {string.Join(", ", StarterTemplates.Known)}.";

    internal static bool IsWellFormedUtf16(string value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            if (char.IsHighSurrogate(value[i]))
            {
                if (i + 1 >= value.Length || !char.IsLowSurrogate(value[i + 1]))
                {
                    return false;
                }

                i++;
            }
            else if (char.IsLowSurrogate(value[i]))
            {
                return false;
            }
        }

        return true;
    }
}
