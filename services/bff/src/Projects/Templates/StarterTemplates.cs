using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;

namespace PocketCode.Bff.Projects.Templates;

/// <summary>One file of a rendered starter project.</summary>
internal sealed record TemplateFile(string Path, byte[] Content);

/// <summary>
/// The starter projects a new project is seeded from. Each lives in the repository under
/// <c>services/bff/templates/&lt;id&gt;/</c> and ships as content files next to the service.
/// Text files may hold <c>{{PLACEHOLDER}}</c> tokens and paths may hold <c>__PACKAGE_PATH__</c>;
/// <see cref="Render"/> substitutes them with values escaped for the file they land in.
/// </summary>
internal sealed partial class StarterTemplates
{
    public const string EmptyActivity = "empty-activity";

    /// <summary>The template ids a create request may name; the first is the default.</summary>
    public static IReadOnlyList<string> Known { get; } = [EmptyActivity];

    private const string PackagePathToken = "__PACKAGE_PATH__";

    // Files whose text is rendered; anything else (images, jars) is copied byte for byte.
    private static readonly HashSet<string> TextExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ".kts", ".kt", ".java", ".xml", ".toml", ".properties", ".pro", ".md", ".txt", ".json", ".gitignore",
    };

    private readonly string _root;
    private readonly Lazy<Dictionary<string, IReadOnlyList<TemplateFile>>> _sources;
    private readonly Lazy<GradleWrapper> _gradleWrapper;

    public StarterTemplates(IOptions<ProjectsOptions> options)
    {
        _root = options.Value.ResolveTemplatesPath();
        _sources = new Lazy<Dictionary<string, IReadOnlyList<TemplateFile>>>(Load);
        _gradleWrapper = new Lazy<GradleWrapper>(() => GradleWrapper.Load(_root, EmptyActivity, _sources.Value[EmptyActivity]));
    }

    /// <summary>Gradle's wrapper from the default template, and the checksums a project's wrapper jar must match.</summary>
    public GradleWrapper GradleWrapper => _gradleWrapper.Value;

    public static bool IsKnown(string? id) => id is not null && Known.Contains(id, StringComparer.Ordinal);

    /// <summary>Reads every known template and the wrapper checksums once; throws naming the folder or file when one is missing or broken.</summary>
    public void EnsureLoaded() => _ = _gradleWrapper.Value;

    /// <summary>The template's files with the project's values filled in, paths relative to the project root.</summary>
    public IReadOnlyList<TemplateFile> Render(string templateId, string appName, string applicationId)
    {
        if (!_sources.Value.TryGetValue(templateId, out var files))
        {
            throw new ArgumentException($"'{templateId}' is not a known template.", nameof(templateId));
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            // The application id has passed ApplicationIds.Validate: only [A-Za-z0-9_.], safe in
            // Kotlin strings, XML attributes and Gradle files as it is.
            ["APPLICATION_ID"] = applicationId,
            ["KOTLIN_PACKAGE"] = KotlinPackage(applicationId),
            ["APP_NAME_XML"] = AndroidStringResource(appName),
            ["ROOT_PROJECT_NAME"] = KotlinStringLiteral(GradleProjectName(appName)),
        };
        var packagePath = applicationId.Replace('.', '/');

        var rendered = new List<TemplateFile>(files.Count);
        foreach (var file in files)
        {
            var path = file.Path.Replace(PackagePathToken, packagePath, StringComparison.Ordinal);
            var content = IsText(file.Path)
                ? Encoding.UTF8.GetBytes(Substitute(Encoding.UTF8.GetString(file.Content), values, file.Path))
                : file.Content;
            rendered.Add(new TemplateFile(path, content));
        }

        return rendered;
    }

    private Dictionary<string, IReadOnlyList<TemplateFile>> Load()
    {
        var result = new Dictionary<string, IReadOnlyList<TemplateFile>>(StringComparer.Ordinal);
        foreach (var id in Known)
        {
            var folder = Path.Combine(_root, id);
            if (!Directory.Exists(folder))
            {
                throw new InvalidOperationException(
                    $"The starter template '{id}' is missing: no folder '{folder}'. Templates ship from services/bff/templates as content files (Projects:TemplatesPath overrides the location).");
            }

            var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
                .Select(file => new TemplateFile(Path.GetRelativePath(folder, file).Replace(Path.DirectorySeparatorChar, '/'), File.ReadAllBytes(file)))
                .OrderBy(f => f.Path, StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0)
            {
                throw new InvalidOperationException($"The starter template '{id}' in '{folder}' has no files.");
            }

            foreach (var file in files.Where(f => IsText(f.Path)))
            {
                // An unknown token would reach a user's project verbatim; fail at start-up instead.
                foreach (Match token in TokenPattern().Matches(Encoding.UTF8.GetString(file.Content)))
                {
                    if (token.Groups[1].Value is not ("APPLICATION_ID" or "KOTLIN_PACKAGE" or "APP_NAME_XML" or "ROOT_PROJECT_NAME"))
                    {
                        throw new InvalidOperationException($"The starter template file '{id}/{file.Path}' uses the unknown placeholder '{token.Value}'.");
                    }
                }
            }

            result[id] = files;
        }

        return result;
    }

    private static bool IsText(string path) =>
        TextExtensions.Contains(Path.GetExtension(path)) || TextExtensions.Contains(Path.GetFileName(path));

    private static string Substitute(string text, Dictionary<string, string> values, string path) =>
        TokenPattern().Replace(text, match => values.TryGetValue(match.Groups[1].Value, out var value)
            ? value
            : throw new InvalidOperationException($"Unknown placeholder '{match.Value}' in template file '{path}'."));

    /// <summary>
    /// Text for an Android string resource: Android's own escapes first (aapt2 treats quotes,
    /// apostrophes and backslashes specially, and a leading @ or ? as a reference), then XML's.
    /// </summary>
    internal static string AndroidStringResource(string value)
    {
        var android = new StringBuilder(value.Length + 8);
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '\\': android.Append(@"\\"); break;
                case '\'': android.Append(@"\'"); break;
                case '"': android.Append("\\\""); break;
                case '@' or '?' when i == 0: android.Append('\\').Append(c); break;
                default: android.Append(c); break;
            }
        }

        return android.ToString()
            .Replace("&", "&amp;", StringComparison.Ordinal)
            .Replace("<", "&lt;", StringComparison.Ordinal)
            .Replace(">", "&gt;", StringComparison.Ordinal);
    }

    /// <summary>A Kotlin string literal's content: backslash, quote and <c>$</c> (templates) escaped.</summary>
    internal static string KotlinStringLiteral(string value) => value
        .Replace("\\", @"\\", StringComparison.Ordinal)
        .Replace("\"", "\\\"", StringComparison.Ordinal)
        .Replace("$", "\\$", StringComparison.Ordinal);

    /// <summary>
    /// Gradle refuses project names with <c>/ \ : &lt; &gt; " ? * |</c> and names starting or ending
    /// with a dot, so the root project gets a tame version of the app name.
    /// </summary>
    internal static string GradleProjectName(string appName)
    {
        var builder = new StringBuilder(appName.Length);
        foreach (var c in appName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is ' ' or '-' or '_' or '.' ? c : '-');
        }

        var name = builder.ToString().Trim().Trim('.', ' ');
        return name.Length == 0 ? "app" : name;
    }

    /// <summary>Kotlin hard keywords are legal Java package segments but need backticks in Kotlin.</summary>
    internal static string KotlinPackage(string applicationId) =>
        string.Join('.', applicationId.Split('.').Select(segment => KotlinHardKeywords.Contains(segment)
            ? string.Create(CultureInfo.InvariantCulture, $"`{segment}`")
            : segment));

    private static readonly HashSet<string> KotlinHardKeywords = new(StringComparer.Ordinal)
    {
        "as", "break", "class", "continue", "do", "else", "false", "for", "fun", "if", "in", "interface", "is", "null",
        "object", "package", "return", "super", "this", "throw", "true", "try", "typealias", "typeof", "val", "var",
        "when", "while",
    };

    [GeneratedRegex(@"\{\{([A-Z_]+)\}\}")]
    private static partial Regex TokenPattern();
}
