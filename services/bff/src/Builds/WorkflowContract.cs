using System.Text.Json.Serialization;

namespace PocketCode.Bff.Builds;

/// <summary>
/// What the BFF and <c>user-project-template/.github/workflows/android-publish.yml</c> agree on:
/// the workflow file, its <c>workflow_dispatch</c> inputs, the repository secrets it reads and
/// the reports it sends back (<see cref="BuildEventRequest"/>). The consistency test compares the
/// workflow with these, so a change on one side without the other fails the suite.
/// </summary>
internal static class WorkflowContract
{
    /// <summary>The workflow's path inside the user's repository (and inside user-project-template/).</summary>
    public const string WorkflowPath = ".github/workflows/android-publish.yml";

    public const string WorkflowFileName = "android-publish.yml";

    /// <summary>The branch the BFF pushes to and dispatches on.</summary>
    public const string Branch = "main";

    public static class Inputs
    {
        public const string BuildId = "build_id";
        public const string Track = "track";
        public const string ReleaseStatus = "release_status";
        public const string RolloutFraction = "rollout_fraction";
        public const string VersionCode = "version_code";
        public const string VersionName = "version_name";
        public const string NotesSince = "notes_since";
        public const string ApplicationId = "application_id";
        public const string BffUrl = "bff_url";
        public const string Audience = "audience";
    }

    public static class Secrets
    {
        public const string KeystoreBase64 = "ANDROID_KEYSTORE_BASE64";
        public const string KeystoreType = "ANDROID_KEYSTORE_TYPE";
        public const string StorePassword = "ANDROID_KEYSTORE_PASSWORD";
        public const string KeyAlias = "ANDROID_KEY_ALIAS";
        public const string KeyPassword = "ANDROID_KEY_PASSWORD";
        public const string PlayServiceAccountJson = "PLAY_SERVICE_ACCOUNT_JSON";

        public static IReadOnlyList<string> All { get; } = [KeystoreBase64, KeystoreType, StorePassword, KeyAlias, KeyPassword, PlayServiceAccountJson];
    }

    /// <summary>Play's limit on the release notes of one language.</summary>
    public const int MaxReleaseNotesLength = 500;
}

/// <summary>
/// A report from the workflow (<c>POST /v1/builds/{id}/events</c>, authenticated by the run's
/// GitHub OIDC token). <see cref="RunId"/> must equal the token's <c>run_id</c>.
/// </summary>
/// <param name="ErrorCode">
/// On a failure report, what the workflow recognised: <see cref="BuildErrors.VersionCodeUsed"/> when
/// Google Play refused the version code (play-publish.sh; <see cref="VersionCode"/> is then the refused one).
/// </param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record BuildEventRequest(
    string State,
    long RunId,
    string? Step = null,
    string? Message = null,
    long? VersionCode = null,
    string? ReleaseNotes = null,
    string? ErrorCode = null);

/// <summary>The workflow asks where to upload one artifact (<c>POST /v1/builds/{id}/artifact-uploads</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record ArtifactUploadRequest(string File, long RunId);

internal sealed record ArtifactUploadResponse(string Url, string Method, string ContentType, DateTimeOffset ExpiresAt);
