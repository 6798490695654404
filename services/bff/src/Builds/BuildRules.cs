using System.Globalization;
using System.Text.RegularExpressions;
using PocketCode.Platform;

namespace PocketCode.Bff.Builds;

/// <summary>The pure rules of builds: what a request may ask for, artifact names, who may report.</summary>
internal static partial class BuildRules
{
    public static readonly string[] KnownReleaseStatuses = ["draft", "completed", "inProgress"];
    public const int MaxMessageLength = 500;
    public const int MaxVersionNameLength = 100;

    /// <summary>
    /// How many decimals of a rollout fraction are sent. Play's <c>userFraction</c> is a JSON number
    /// (a double; Android Publisher API v3 TrackRelease, read 2026-12-08) strictly between 0 and 1;
    /// six decimals (a ten-thousandth of a percent) is finer than anyone stages a rollout, and a
    /// fraction with more is refused on the request instead of being rounded (to 0 or 1 at the ends).
    /// </summary>
    private const string FractionFormat = "0.######";

    /// <summary>Field errors of a create request (empty when valid).</summary>
    public static FieldErrors Validate(string? track, string? releaseStatus, double? rolloutFraction, long? versionCode, string? versionName, string? message)
    {
        var errors = new FieldErrors();
        if (track is null || !TrackPattern().IsMatch(track))
        {
            errors.Add("track", "Name a Play track: internal, alpha, beta, production or a custom closed-testing track (lower-case letters, digits, '-', '_').");
        }

        if (releaseStatus is null || !KnownReleaseStatuses.Contains(releaseStatus, StringComparer.Ordinal))
        {
            errors.Add("releaseStatus", "Use draft, completed or inProgress.");
        }
        else if (releaseStatus == "inProgress" && !IsSendableFraction(rolloutFraction))
        {
            errors.Add("rolloutFraction", "A staged rollout (inProgress) needs rolloutFraction strictly between 0 and 1 with at most 6 decimals, e.g. 0.1 for 10%.");
        }
        else if (releaseStatus != "inProgress" && rolloutFraction is not null)
        {
            errors.Add("rolloutFraction", "rolloutFraction applies only to releaseStatus inProgress.");
        }

        if (versionCode is < 1 or > VersionCodes.Max)
        {
            errors.Add("versionCode", $"versionCode must be between 1 and {VersionCodes.Max}.");
        }

        if (versionName is not null && !IsValidVersionName(versionName))
        {
            errors.Add("versionName", $"versionName is 1 to {MaxVersionNameLength} printable characters (no control characters, not only spaces), e.g. 1.2.0.");
        }

        if (message is not null && (message.Length > MaxMessageLength || message.Any(c => char.IsControl(c) && c != '\n')))
        {
            errors.Add("message", $"The commit message is at most {MaxMessageLength} characters, without control characters other than new lines.");
        }

        return errors;
    }

    public static bool IsValidArtifactFile(string? file) => file is not null && ArtifactFilePattern().IsMatch(file);

    public static string ArtifactContentType(string file) => file.EndsWith(".apk", StringComparison.Ordinal)
        ? "application/vnd.android.package-archive"
        : "application/octet-stream";

    public static void EnsureCaller(Build build, string repository, long runId)
    {
        if (build.GithubRepo is not { } repo || !string.Equals($"{repo.Owner}/{repo.Name}", repository, StringComparison.OrdinalIgnoreCase))
        {
            throw ProblemException.Forbidden("The token's repository is not this build's repository.");
        }

        if (build.WorkflowRunId is { } bound && bound != runId)
        {
            throw ProblemException.Forbidden("The token's workflow run is not this build's run.");
        }
    }

    /// <summary>
    /// The fraction as sent to the workflow: exactly the requested value (a fraction that passed
    /// <see cref="IsSendableFraction"/> reads back as the same double), never "0" or "1".
    /// </summary>
    public static string FormatFraction(double? fraction) => fraction?.ToString(FractionFormat, CultureInfo.InvariantCulture) ?? string.Empty;

    /// <summary>Strictly between 0 and 1, and unchanged by <see cref="FormatFraction"/> (at most six decimals).</summary>
    public static bool IsSendableFraction(double? fraction) =>
        fraction is > 0 and < 1 and { } f
        && double.Parse(FormatFraction(f), NumberStyles.Float, CultureInfo.InvariantCulture) == f;

    /// <summary>The version name when neither the request nor the project names one.</summary>
    public static string DefaultVersionName(long versionCode) => "1.0." + versionCode.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// 1 to 100 characters a person can read: no control or invisible format characters, no line
    /// breaks, no broken surrogate (enumerated as U+FFFD) and not only spaces.
    /// </summary>
    public static bool IsValidVersionName(string versionName) =>
        versionName.Length is > 0 and <= MaxVersionNameLength
        && !string.IsNullOrWhiteSpace(versionName)
        && versionName.EnumerateRunes().All(r => r != System.Text.Rune.ReplacementChar
            && System.Text.Rune.GetUnicodeCategory(r) is not (UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator
                or UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned));

    /// <summary>
    /// The error of a report's <c>errorCode</c> (null when fine): only <see cref="BuildErrors.VersionCodeUsed"/>
    /// is known, only on a failed report, and it names the code Play refused.
    /// </summary>
    public static string? ValidateReportErrorCode(string state, string? errorCode, long? versionCode) => errorCode switch
    {
        null => null,
        BuildErrors.VersionCodeUsed when state != BuildStates.Failed => $"errorCode {BuildErrors.VersionCodeUsed} comes only with state failed.",
        BuildErrors.VersionCodeUsed when versionCode is not (>= 1 and <= VersionCodes.Max) => $"errorCode {BuildErrors.VersionCodeUsed} needs the versionCode Play refused (1 to {VersionCodes.Max}).",
        BuildErrors.VersionCodeUsed => null,
        _ => $"Unknown errorCode; the only one is {BuildErrors.VersionCodeUsed}.",
    };

    [GeneratedRegex("^[a-z][a-z0-9_:-]{0,49}$")]
    private static partial Regex TrackPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(aab|apk)$")]
    private static partial Regex ArtifactFilePattern();
}
