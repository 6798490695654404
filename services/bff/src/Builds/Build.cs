using System.Security.Cryptography;
using PocketCode.Bff.Projects;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>
/// The states of a build (DESIGN.md §3), in the order a build moves through them. A build only
/// ever moves forward: a report of an earlier or the same state changes nothing, so duplicate and
/// out-of-order reports are harmless. The three terminal states are final.
/// </summary>
internal static class BuildStates
{
    public const string Queued = "queued";
    public const string Pushing = "pushing";
    public const string Running = "running";
    public const string Signing = "signing";
    public const string Uploading = "uploading";
    public const string Publishing = "publishing";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";

    /// <summary>Every state, in order; the terminal ones share the last rank.</summary>
    public static IReadOnlyList<string> All { get; } = [Queued, Pushing, Running, Signing, Uploading, Publishing, Succeeded, Failed, Cancelled];

    /// <summary>The states the workflow may report (the BFF itself sets queued, pushing and cancelled).</summary>
    public static IReadOnlyList<string> Reportable { get; } = [Running, Signing, Uploading, Publishing, Succeeded, Failed];

    public static bool IsTerminal(string? state) => state is Succeeded or Failed or Cancelled;

    public static int Rank(string? state) => state switch
    {
        Queued => 0,
        Pushing => 1,
        Running => 2,
        Signing => 3,
        Uploading => 4,
        Publishing => 5,
        Succeeded or Failed or Cancelled => 6,
        _ => -1,
    };

    /// <summary>Whether a build in <paramref name="current"/> may move to <paramref name="next"/>.</summary>
    public static bool CanMove(string current, string next) => !IsTerminal(current) && Rank(next) > Rank(current);
}

/// <summary>Why a build failed: the step, a stable code and a message that says what to do.</summary>
internal sealed record BuildError(string Step, string Code, string Message);

/// <summary>One state change as the phone sees it (also the SSE event; <see cref="Seq"/> is its id).</summary>
internal sealed record BuildTransition(long Seq, string State, DateTimeOffset At, string? Message);

/// <summary>A build as stored in <c>builds/{buildId}</c>.</summary>
internal sealed record Build(
    string Id,
    string OwnerUid,
    string ProjectId,
    string State,
    string Track,
    string ReleaseStatus,
    double? RolloutFraction,
    long? VersionCode,
    string? Message,
    string? Step,
    GithubRepoBinding? GithubRepo,
    string? CommitSha,
    long? WorkflowRunId,
    IReadOnlyList<string> ArtifactFiles,
    string? ReleaseNotes,
    string? PlayListingUrl,
    BuildError? Error,
    IReadOnlyList<BuildTransition> History,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? ApplicationId = null,
    string? VersionName = null)
{
    public bool IsTerminal => BuildStates.IsTerminal(State);

    /// <summary>Where the build's artifacts live in <c>build-artifacts</c>.</summary>
    public string ArtifactPrefix => OwnerUid + "/" + ProjectId + "/" + Id + "/";
}

internal static class BuildStorage
{
    public const string Collection = "builds";

    private const int IdLength = 20;
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, IdLength);

    /// <summary>Ids from the URL are checked before use, so a hostile id never reaches a store path.</summary>
    public static bool IsValidId(string? id) => id is { Length: IdLength } && id.All(char.IsAsciiLetterOrDigit);

    public static string DocumentPath(string buildId) => Collection + "/" + buildId;

    /// <summary>The build, or null for an unknown or malformed id.</summary>
    public static async Task<Build?> FindAsync(IDocumentStore documents, string buildId, CancellationToken cancellationToken) =>
        IsValidId(buildId) && await documents.GetAsync(DocumentPath(buildId), cancellationToken) is { } snapshot
            ? BuildDocuments.FromSnapshot(snapshot)
            : null;
}

/// <summary>Explicit mapping between <see cref="Build"/> and its document (no reflection).</summary>
internal static class BuildDocuments
{
    // Read by the home screen too (HomeService): keep these names.
    public const string OwnerUid = "ownerUid";
    public const string ProjectId = "projectId";
    public const string State = "state";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";

    public const string Track = "track";
    public const string ReleaseStatus = "releaseStatus";
    public const string RolloutFraction = "rolloutFraction";
    public const string VersionCode = "versionCode";
    public const string Message = "message";
    public const string Step = "step";
    public const string GithubRepo = "githubRepo";
    public const string CommitSha = "commitSha";
    public const string WorkflowRunId = "workflowRunId";
    public const string ArtifactFiles = "artifactFiles";
    public const string ReleaseNotes = "releaseNotes";
    public const string PlayListingUrl = "playListingUrl";
    public const string ApplicationId = "applicationId";
    public const string VersionName = "versionName";
    public const string Error = "error";
    public const string History = "history";

    /// <summary>
    /// A queued build with its version code and name fixed before anything is dispatched, and the
    /// project's application id at that moment (the key of its version-code counter).
    /// </summary>
    public static Dictionary<string, object?> NewBuild(string uid, string projectId, string applicationId, BuildRequest request, long versionCode) => new()
    {
        [OwnerUid] = uid,
        [ProjectId] = projectId,
        [State] = BuildStates.Queued,
        [Track] = request.Track,
        [ReleaseStatus] = request.ReleaseStatus,
        [RolloutFraction] = request.RolloutFraction,
        [VersionCode] = versionCode,
        [VersionName] = request.VersionName ?? BuildRules.DefaultVersionName(versionCode),
        [ApplicationId] = applicationId,
        [Message] = request.Message,
        [Step] = null,
        [GithubRepo] = null,
        [CommitSha] = null,
        [WorkflowRunId] = null,
        [ArtifactFiles] = new List<object?>(),
        [ReleaseNotes] = null,
        [PlayListingUrl] = null,
        [Error] = null,
        [History] = new List<object?> { TransitionValue(new BuildTransition(1, BuildStates.Queued, DateTimeOffset.UtcNow, null)) },
        [CreatedAt] = FieldValue.ServerTimestamp,
        [UpdatedAt] = FieldValue.ServerTimestamp,
    };

    public static Dictionary<string, object?> TransitionValue(BuildTransition t) => new()
    {
        ["seq"] = t.Seq,
        ["state"] = t.State,
        ["at"] = t.At,
        ["message"] = t.Message,
    };

    public static Dictionary<string, object?> ErrorValue(BuildError e) => new()
    {
        ["step"] = e.Step,
        ["code"] = e.Code,
        ["message"] = e.Message,
    };

    public static Dictionary<string, object?> RepoValue(GithubRepoBinding repo) => new()
    {
        ["owner"] = repo.Owner,
        ["name"] = repo.Name,
    };

    public static Build FromSnapshot(DocumentSnapshot s) => new(
        s.Id,
        s.GetString(OwnerUid) ?? string.Empty,
        s.GetString(ProjectId) ?? string.Empty,
        s.GetString(State) ?? BuildStates.Queued,
        s.GetString(Track) ?? string.Empty,
        s.GetString(ReleaseStatus) ?? string.Empty,
        s.GetDouble(RolloutFraction),
        s.GetInt64(VersionCode),
        s.GetString(Message),
        s.GetString(Step),
        s.GetMap(GithubRepo) is { } repo && repo.TryGetValue("owner", out var o) && o is string owner
            && repo.TryGetValue("name", out var n) && n is string name ? new GithubRepoBinding(owner, name) : null,
        s.GetString(CommitSha),
        s.GetInt64(WorkflowRunId),
        (s.GetArray(ArtifactFiles) ?? []).OfType<string>().ToList(),
        s.GetString(ReleaseNotes),
        s.GetString(PlayListingUrl),
        s.GetMap(Error) is { } e
            ? new BuildError(e.GetValueOrDefault("step") as string ?? "", e.GetValueOrDefault("code") as string ?? "", e.GetValueOrDefault("message") as string ?? "")
            : null,
        (s.GetArray(History) ?? []).OfType<IReadOnlyDictionary<string, object?>>().Select(ToTransition).OrderBy(t => t.Seq).ToList(),
        s.GetTimestamp(CreatedAt) ?? s.CreateTime,
        s.GetTimestamp(UpdatedAt) ?? s.UpdateTime,
        s.GetString(ApplicationId),
        s.GetString(VersionName));

    private static BuildTransition ToTransition(IReadOnlyDictionary<string, object?> m) => new(
        m.GetValueOrDefault("seq") is long seq ? seq : 0,
        m.GetValueOrDefault("state") as string ?? "",
        m.GetValueOrDefault("at") as DateTimeOffset? ?? DateTimeOffset.MinValue,
        m.GetValueOrDefault("message") as string);
}
