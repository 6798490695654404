using System.Text.RegularExpressions;

namespace PocketCode.Bff.Builds;

/// <summary>A step of a build failed for a reason the user can act on; the orchestrator records it.</summary>
internal sealed class BuildStepException(string code, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Code { get; } = code;
}

/// <summary>
/// Turns the failures people actually hit with GitHub and Google Play into messages that say what
/// to do (the wording of Play's errors follows fastlane supply and Gradle Play Publisher reports).
/// Unknown failures keep their (trimmed) text so nothing is hidden.
/// </summary>
internal static partial class BuildErrors
{
    public const string AppNotCreated = "play_app_not_found";
    public const string PlayPermissionDenied = "play_permission_denied";
    public const string VersionCodeUsed = "version_code_used";
    public const string DraftAppOnly = "play_draft_app_only";
    public const string GitHubTokenInvalid = "github_token_invalid";
    public const string GitHubRepoNameTaken = "github_repo_name_taken";
    public const string GitHubPermissionDenied = "github_permission_denied";
    public const string WorkflowFailed = "workflow_failed";
    public const string WorkflowVanished = "workflow_ended_without_report";
    public const string GradleWrapperNotGradles = "gradle_wrapper_not_gradles";
    public const string Internal = "internal_error";

    private const int MaxMessageLength = 1000;

    public static BuildError GitHubTokenExpired(string step) => new(step, GitHubTokenInvalid,
        "GitHub refused your token (expired, revoked or missing the 'repo' and 'workflow' scopes). Create a new token and save it under Settings → Credentials → GitHub, then build again.");

    public static BuildError RepoNameTaken(string step, string owner, string name) => new(step, GitHubRepoNameTaken,
        $"A repository named '{owner}/{name}' already exists and is not this project's. Rename or delete it on GitHub, or rename the project, then build again.");

    public static BuildError GitHubForbidden(string step) => new(step, GitHubPermissionDenied,
        "GitHub denied the request: the token needs the 'repo' and 'workflow' scopes (classic) or Administration, Contents, Secrets and Actions write access (fine-grained). Update the token under Settings → Credentials → GitHub, then build again.");

    /// <summary>Maps what the workflow reported for a failed step to an actionable error.</summary>
    public static BuildError FromWorkflow(string? step, string? reported, long? versionCode)
    {
        var stepName = string.IsNullOrWhiteSpace(step) ? "workflow" : step.Trim();
        var text = reported ?? string.Empty;
        if (PackageNotFound().IsMatch(text))
        {
            return new(stepName, AppNotCreated,
                "Google Play does not know this app yet. Create it in Play Console and upload the first AAB by hand (Play requires the first upload to be manual; download it from this build's artifact), then build again: later builds publish automatically.");
        }

        if (VersionCodeUsedPattern().IsMatch(text))
        {
            var hint = versionCode is { } code ? $" (this build used {code})" : string.Empty;
            return new(stepName, VersionCodeUsed,
                $"Google Play already has a release with this version code{hint}. Build again with a higher versionCode; every upload needs a new, larger one.");
        }

        if (DraftOnly().IsMatch(text))
        {
            return new(stepName, DraftAppOnly,
                "This app is still a draft in Play Console, so Play accepts only draft releases. Build again with releaseStatus 'draft' (and no rollout), or finish the app's store listing and first review in Play Console.");
        }

        if (PermissionDenied().IsMatch(text))
        {
            return new(stepName, PlayPermissionDenied,
                "The Play service account has no access to this app. In Play Console → Users and permissions, invite the service account's e-mail and grant it 'Release apps to testing tracks' (and production if you publish there), then build again.");
        }

        var detail = text.Length > MaxMessageLength ? text[..MaxMessageLength] + "…" : text;
        return new(stepName, WorkflowFailed,
            string.IsNullOrWhiteSpace(detail)
                ? $"The build failed at step '{stepName}'. Open the workflow run on GitHub for the log."
                : $"The build failed at step '{stepName}': {detail}");
    }

    [GeneratedRegex(@"package not found|applicationNotFound|No application was found for the given package name", RegexOptions.IgnoreCase)]
    private static partial Regex PackageNotFound();

    [GeneratedRegex(@"version code \d* ?has already been used|apkUpgradeVersionConflict|versionCode.*already", RegexOptions.IgnoreCase)]
    private static partial Regex VersionCodeUsedPattern();

    [GeneratedRegex(@"only releases with status draft|draft app", RegexOptions.IgnoreCase)]
    private static partial Regex DraftOnly();

    [GeneratedRegex(@"caller does not have permission|PERMISSION_DENIED|\b403\b", RegexOptions.IgnoreCase)]
    private static partial Regex PermissionDenied();
}
