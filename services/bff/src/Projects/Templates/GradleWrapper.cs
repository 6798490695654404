using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text.Json;

namespace PocketCode.Bff.Projects.Templates;

/// <summary>
/// Gradle's wrapper as every pushed project gets it. The starter template carries Gradle's own
/// <c>gradlew</c>, <c>gradlew.bat</c>, jar and properties; they are the canonical files added to a
/// project that lacks them (created before the template had them, or imported from a zip without
/// them). <c>templates/gradle-wrapper-checksums.json</c> holds the SHA-256 checksums Gradle
/// publishes for <c>gradle-wrapper.jar</c>, copied from the list the workflow's
/// <c>gradle/actions/wrapper-validation</c> checks: a jar matching none of them is not Gradle's and
/// would run whatever it contains in the build, so the BFF refuses to push it.
/// </summary>
internal sealed class GradleWrapper
{
    public const string ChecksumsFileName = "gradle-wrapper-checksums.json";
    public const string JarFileName = "gradle-wrapper.jar";
    public const string Script = "gradlew";
    public const string WindowsScript = "gradlew.bat";
    public const string Jar = "gradle/wrapper/" + JarFileName;
    public const string Properties = "gradle/wrapper/gradle-wrapper.properties";

    /// <summary>The files a project needs to run <c>./gradlew</c>, paths relative to the project root.</summary>
    public static IReadOnlyList<string> Paths { get; } = [Script, WindowsScript, Jar, Properties];

    private readonly FrozenSet<string> _published;

    private GradleWrapper(FrozenSet<string> published, IReadOnlyList<TemplateFile> files)
    {
        _published = published;
        Files = files;
    }

    /// <summary>The starter template's wrapper files, one per entry of <see cref="Paths"/>.</summary>
    public IReadOnlyList<TemplateFile> Files { get; }

    /// <summary>
    /// Any file named <c>gradle-wrapper.jar</c>, wherever it lies: the workflow's validation checks
    /// them all, and an included build's wrapper runs as well as the root one.
    /// </summary>
    public static bool IsJar(string path) =>
        path == JarFileName || path.EndsWith("/" + JarFileName, StringComparison.Ordinal);

    /// <summary>Whether <paramref name="jar"/>'s SHA-256 is one Gradle published for a wrapper jar.</summary>
    public async Task<bool> IsPublishedAsync(Stream jar, CancellationToken cancellationToken) =>
        _published.Contains(Convert.ToHexStringLower(await SHA256.HashDataAsync(jar, cancellationToken)));

    /// <summary>
    /// Reads the checksum list next to the templates and takes the wrapper from the starter
    /// template's files; throws naming the file when either is missing or the template's jar is
    /// not the published one the list records for it, so a broken or tampered template stops the
    /// service at start-up instead of reaching users' builds.
    /// </summary>
    internal static GradleWrapper Load(string templatesRoot, string templateId, IReadOnlyList<TemplateFile> templateFiles)
    {
        var path = Path.Combine(templatesRoot, ChecksumsFileName);
        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"The Gradle wrapper checksums '{path}' are missing; they ship with the templates (services/bff/templates).");
        }

        string? expected;
        string? version;
        List<(string? Version, string? Checksum)> entries;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var template = document.RootElement.GetProperty("template");
            expected = template.GetProperty("wrapperJarSha256").GetString();
            version = template.GetProperty("gradleVersion").GetString();
            entries = document.RootElement.GetProperty("published").EnumerateArray()
                .Select(e => (e.GetProperty("version").GetString(), e.GetProperty("checksum").GetString()))
                .ToList();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidOperationException($"The Gradle wrapper checksums '{path}' are unreadable: {ex.Message}", ex);
        }

        if (expected is null || !entries.Contains((version, expected)))
        {
            throw new InvalidOperationException($"'{path}' does not list {expected} as Gradle {version}'s published wrapper checksum.");
        }

        var files = Paths.Select(p => templateFiles.SingleOrDefault(f => f.Path == p)
            ?? throw new InvalidOperationException($"The starter template '{templateId}' has no '{p}'; every project needs Gradle's wrapper."))
            .ToList();
        var jar = Convert.ToHexStringLower(SHA256.HashData(files.Single(f => f.Path == Jar).Content));
        if (jar != expected)
        {
            throw new InvalidOperationException(
                $"The starter template '{templateId}' has a '{Jar}' with SHA-256 {jar}, not Gradle {version}'s published {expected}: restore Gradle's jar.");
        }

        return new GradleWrapper(entries.Select(e => e.Checksum ?? string.Empty).ToFrozenSet(StringComparer.Ordinal), files);
    }
}
