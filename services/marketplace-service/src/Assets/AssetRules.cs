using System.Text.RegularExpressions;
using PocketCode.Platform;
using Semver;

namespace PocketCode.Marketplace.Assets;

/// <summary>Validation of asset metadata and versions: bad input is a 400 naming the field, before anything is written.</summary>
internal static partial class AssetRules
{
    public const int MaxTitle = 100;
    public const int MaxDescription = 2000;
    public const int MaxReadme = 50_000;
    public const int MaxChangelog = 20_000;
    public const int MaxTags = 10;
    public const int MaxSettings = 20;

    public static string Kind(string? kind) => kind switch
    {
        AssetFields.KindTemplate or AssetFields.KindComponent => kind,
        _ => throw FieldErrors.Invalid("kind", "kind must be 'template' or 'component'."),
    };

    public static string Title(string? title)
    {
        var trimmed = title?.Trim();
        if (string.IsNullOrEmpty(trimmed) || trimmed.Length < 3 || trimmed.Length > MaxTitle || trimmed.Any(char.IsControl))
        {
            throw FieldErrors.Invalid("title", $"title must be 3 to {MaxTitle} characters without control characters.");
        }

        return trimmed;
    }

    public static string Text(string? text, string field, int max)
    {
        var value = text ?? string.Empty;
        if (value.Length > max)
        {
            throw FieldErrors.Invalid(field, $"{field} is longer than {max} characters.");
        }

        return value;
    }

    public static List<string> Tags(IReadOnlyList<string>? tags)
    {
        var result = new List<string>();
        foreach (var raw in tags ?? [])
        {
            var tag = raw?.Trim().ToLowerInvariant() ?? string.Empty;
            if (!TagPattern().IsMatch(tag))
            {
                throw FieldErrors.Invalid("tags", "each tag is 1 to 30 characters of a-z, 0-9 and '-'.");
            }

            if (!result.Contains(tag))
            {
                result.Add(tag);
            }
        }

        if (result.Count > MaxTags)
        {
            throw FieldErrors.Invalid("tags", $"at most {MaxTags} tags.");
        }

        return result;
    }

    public static string License(string? license)
    {
        if (license is null || !LicensePattern().IsMatch(license))
        {
            throw FieldErrors.Invalid("license", "license is an SPDX identifier such as 'MIT' or 'Apache-2.0'.");
        }

        return license;
    }

    public static Dictionary<string, object?> MinSettings(IReadOnlyDictionary<string, string>? settings)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            if (!SettingKeyPattern().IsMatch(key) || value is null || value.Length > 100 || value.Any(char.IsControl))
            {
                throw FieldErrors.Invalid("minSettings", "minSettings maps names (letters, digits, '.', '_', '-', up to 40) to values of up to 100 characters.");
            }

            result[key] = value;
        }

        if (result.Count > MaxSettings)
        {
            throw FieldErrors.Invalid("minSettings", $"at most {MaxSettings} settings.");
        }

        return result;
    }

    /// <summary>A strict semantic version (2.0.0), in its normal form, which is also its document id.</summary>
    public static SemVersion Version(string? version)
    {
        if (version is null || version.Length > 64 || !SemVersion.TryParse(version, SemVersionStyles.Strict, out var parsed))
        {
            throw FieldErrors.Invalid("version", "version must be a semantic version such as 1.2.3 or 2.0.0-beta.1.");
        }

        return parsed;
    }

    public static bool TryVersion(string? version, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SemVersion? parsed)
    {
        parsed = null;
        return version is not null && version.Length <= 64 && SemVersion.TryParse(version, SemVersionStyles.Strict, out parsed);
    }

    public static string Sha256(string? sha256)
    {
        if (sha256 is null || !Sha256Pattern().IsMatch(sha256))
        {
            throw FieldErrors.Invalid("sha256", "sha256 is the zip's SHA-256 as 64 lower-case hex digits.");
        }

        return sha256;
    }


    [GeneratedRegex("^[a-z0-9][a-z0-9-]{0,29}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9.+-]{0,63}$")]
    private static partial Regex LicensePattern();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,40}$")]
    private static partial Regex SettingKeyPattern();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Pattern();
}
