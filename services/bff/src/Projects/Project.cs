using System.Security.Cryptography;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Projects;

/// <summary>A project as stored in <c>projects/{projectId}</c>.</summary>
internal sealed record Project(
    string Id,
    string OwnerUid,
    string Name,
    string ApplicationId,
    string Template,
    string State,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LastActivityAt,
    GithubRepoBinding? GithubRepo,
    LastBuildSummary? LastBuild,
    DateTimeOffset DocumentUpdateTime)
{
    /// <summary>The document's version; the project's HTTP ETag (unquoted).</summary>
    public string Version => new DocumentVersion(DocumentUpdateTime).ToString();

    /// <summary>Where the project's source files live in the <c>project-source-files</c> bucket.</summary>
    public string BlobPrefix => ProjectStorage.Prefix(OwnerUid, Id);
}

/// <summary>The private GitHub repository a project pushes to (set by build orchestration).</summary>
internal sealed record GithubRepoBinding(string Owner, string Name);

/// <summary>The latest build's summary (set by build orchestration).</summary>
internal sealed record LastBuildSummary(string BuildId, string State, DateTimeOffset? UpdatedAt);

internal static class ProjectStates
{
    public const string Active = "active";

    /// <summary>A delete has started: the project is hidden, and a repeated delete finishes the job.</summary>
    public const string Deleting = "deleting";
}

/// <summary>Names and ids of where projects live.</summary>
internal static class ProjectStorage
{
    public const string Collection = "projects";

    public const int IdLength = 20;

    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A Firestore-style random id: 20 characters of [A-Za-z0-9], about 119 bits.</summary>
    public static string NewId() => RandomNumberGenerator.GetString(IdAlphabet, IdLength);

    /// <summary>Ids from the URL are checked before use, so a hostile id never reaches a store path.</summary>
    public static bool IsValidId(string? id) => id is { Length: IdLength } && id.All(char.IsAsciiLetterOrDigit);

    public static string DocumentPath(string projectId) => Collection + "/" + projectId;

    public static string Prefix(string uid, string projectId) => uid + "/" + projectId + "/";
}

/// <summary>Explicit mapping between <see cref="Project"/> and its document fields (no reflection).</summary>
internal static class ProjectDocuments
{
    public const string OwnerUid = "ownerUid";
    public const string Name = "name";
    public const string ApplicationId = "applicationId";
    public const string Template = "template";
    public const string State = "state";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string LastActivityAt = "lastActivityAt";
    public const string GithubRepo = "githubRepo";
    public const string LastBuild = "lastBuild";
    public const string DeleteRequestedAt = "deleteRequestedAt";

    public static Dictionary<string, object?> NewProject(string uid, string name, string applicationId, string template) => new()
    {
        [OwnerUid] = uid,
        [Name] = name,
        [ApplicationId] = applicationId,
        [Template] = template,
        [State] = ProjectStates.Active,
        [CreatedAt] = FieldValue.ServerTimestamp,
        [UpdatedAt] = FieldValue.ServerTimestamp,
        [LastActivityAt] = FieldValue.ServerTimestamp,
        [GithubRepo] = null,
        [LastBuild] = null,
    };

    /// <summary>The fields every write to a project's content changes.</summary>
    public static Dictionary<string, object?> Touch() => new()
    {
        [UpdatedAt] = FieldValue.ServerTimestamp,
        [LastActivityAt] = FieldValue.ServerTimestamp,
    };

    public static Project FromSnapshot(DocumentSnapshot snapshot) => new(
        snapshot.Id,
        snapshot.GetString(OwnerUid) ?? string.Empty,
        snapshot.GetString(Name) ?? string.Empty,
        snapshot.GetString(ApplicationId) ?? string.Empty,
        snapshot.GetString(Template) ?? string.Empty,
        snapshot.GetString(State) ?? ProjectStates.Active,
        snapshot.GetTimestamp(CreatedAt) ?? snapshot.CreateTime,
        snapshot.GetTimestamp(UpdatedAt) ?? snapshot.UpdateTime,
        snapshot.GetTimestamp(LastActivityAt) ?? snapshot.UpdateTime,
        snapshot.GetMap(GithubRepo) is { } repo && repo.TryGetValue("owner", out var owner) && owner is string o
            && repo.TryGetValue("name", out var repoName) && repoName is string n
            ? new GithubRepoBinding(o, n)
            : null,
        snapshot.GetMap(LastBuild) is { } build && build.TryGetValue("buildId", out var id) && id is string buildId
            ? new LastBuildSummary(
                buildId,
                build.TryGetValue("state", out var state) && state is string s ? s : "unknown",
                build.TryGetValue("updatedAt", out var at) ? at as DateTimeOffset? : null)
            : null,
        snapshot.UpdateTime);
}

/// <summary>A document's update time as an opaque version string (and back), for ETags and If-Match.</summary>
internal readonly record struct DocumentVersion(DateTimeOffset UpdateTime)
{
    public override string ToString() => UpdateTime.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool TryParse(string? value, out DocumentVersion version)
    {
        if (long.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ticks)
            && ticks > 0 && ticks <= DateTimeOffset.MaxValue.UtcTicks)
        {
            version = new DocumentVersion(new DateTimeOffset(ticks, TimeSpan.Zero));
            return true;
        }

        version = default;
        return false;
    }
}
