using System.Globalization;
using System.Text.RegularExpressions;
using PocketCode.Platform;

namespace PocketCode.Bff.Builds;

/// <summary>The pure rules of builds: what a request may ask for, artifact names, who may report.</summary>
internal static partial class BuildRules
{
    public static readonly string[] KnownReleaseStatuses = ["draft", "completed", "inProgress"];
    public const int MaxMessageLength = 500;
    private const long MaxVersionCode = 2_100_000_000;

    /// <summary>Field errors of a create request (empty when valid).</summary>
    public static FieldErrors Validate(string? track, string? releaseStatus, double? rolloutFraction, long? versionCode, string? message)
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
        else if (releaseStatus == "inProgress" && rolloutFraction is not (> 0 and < 1))
        {
            errors.Add("rolloutFraction", "A staged rollout (inProgress) needs rolloutFraction between 0 and 1, e.g. 0.1 for 10%.");
        }
        else if (releaseStatus != "inProgress" && rolloutFraction is not null)
        {
            errors.Add("rolloutFraction", "rolloutFraction applies only to releaseStatus inProgress.");
        }

        if (versionCode is < 1 or > MaxVersionCode)
        {
            errors.Add("versionCode", $"versionCode must be between 1 and {MaxVersionCode}.");
        }

        if (message is not null && (message.Length > MaxMessageLength || message.Any(c => char.IsControl(c) && c != '\n')))
        {
            errors.Add("message", $"The commit message is at most {MaxMessageLength} characters, without control characters other than new lines.");
        }

        return errors;
    }

    public static bool IsValidArtifactFile(string? file) => file is not null && ArtifactFilePattern().IsMatch(file);

    public static string PlayListingUrl(string applicationId) =>
        "https://play.google.com/store/apps/details?id=" + Uri.EscapeDataString(applicationId);

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

    public static string FormatFraction(double? fraction) => fraction?.ToString("0.####", CultureInfo.InvariantCulture) ?? string.Empty;

    [GeneratedRegex("^[a-z][a-z0-9_:-]{0,49}$")]
    private static partial Regex TrackPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(aab|apk)$")]
    private static partial Regex ArtifactFilePattern();
}
