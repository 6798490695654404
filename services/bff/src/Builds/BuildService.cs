using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>What a build asks for, after validation.</summary>
internal sealed record BuildRequest(string Track, string ReleaseStatus, double? RolloutFraction, long? VersionCode, string? Message, string? VersionName = null);

internal sealed record BuildPage(IReadOnlyList<Build> Items, string? NextPageToken);

/// <summary>
/// What the owner of a build does with it: request one (validated, credentials present, one
/// running build per project), read and list, cancel. State changes go through
/// <see cref="BuildTransitions"/>; files through <see cref="BuildArtifacts"/>.
/// </summary>
internal sealed class BuildService(
    IDocumentStore documents,
    ProjectService projects,
    CredentialVault vault,
    BuildTransitions transitions,
    IOptions<BuildsOptions> options)
{
    /// <summary>
    /// Creates a queued build of the caller's project. Refuses when a credential the pipeline needs
    /// is missing, or when the project's previous build is still running. The build's version code
    /// comes from the owner's counter for the application id (<see cref="VersionCodes"/>), in the same
    /// transaction, so two builds never get the same code and none gets a code below one given before.
    /// </summary>
    public async Task<Build> CreateAsync(string uid, string projectId, BuildRequest request, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(uid, projectId, cancellationToken);
        foreach (var (kind, what) in RequiredCredentials)
        {
            if (await vault.FindAsync(uid, kind, cancellationToken) is null)
            {
                throw new ProblemException(422, BuildProblemCodes.CredentialMissing,
                    $"Add your {what} under Settings → Credentials ({kind}) before building: the pipeline needs it.",
                    new Dictionary<string, object?> { ["credential"] = kind });
            }
        }

        var buildId = BuildStorage.NewId();
        var projectPath = ProjectStorage.DocumentPath(project.Id);
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var current = await tx.GetAsync(projectPath, ct);
            if (current is null || ProjectDocuments.FromSnapshot(current) is not { State: ProjectStates.Active } p || p.OwnerUid != uid)
            {
                throw ProblemException.NotFound("No such project.");
            }

            if (p.LastBuild is { } last && !BuildStates.IsTerminal(last.State))
            {
                throw new ProblemException(409, ProblemCodes.Conflict,
                    $"Build {last.BuildId} of this project is still {last.State}; wait for it to finish or cancel it first.",
                    new Dictionary<string, object?> { ["buildId"] = last.BuildId });
            }

            var counterPath = VersionCodes.PathOf(uid, p.ApplicationId);
            var versionCode = VersionCodes.Next(VersionCodes.LastOf(await tx.GetAsync(counterPath, ct)), request.VersionCode);
            tx.Set(counterPath, VersionCodes.Value(uid, p.ApplicationId, versionCode));
            tx.Create(BuildStorage.DocumentPath(buildId), BuildDocuments.NewBuild(uid, project.Id, p.ApplicationId, request, versionCode));
            tx.Update(projectPath, new Dictionary<string, object?> { [ProjectDocuments.LastBuild] = BuildTransitions.LastBuildValue(buildId, BuildStates.Queued) });
            return true;
        }, cancellationToken: cancellationToken);

        return await GetOwnedAsync(uid, buildId, cancellationToken);
    }

    private static readonly (string Kind, string What)[] RequiredCredentials =
    [
        (CredentialKinds.GitHub, "GitHub token"),
        (CredentialKinds.Keystore, "upload keystore"),
        (CredentialKinds.Play, "Google Play service-account key"),
    ];

    public Task<Build?> FindAsync(string buildId, CancellationToken cancellationToken) =>
        BuildStorage.FindAsync(documents, buildId, cancellationToken);

    /// <summary>The caller's build, or 404 (also for other users' builds).</summary>
    public async Task<Build> GetOwnedAsync(string uid, string buildId, CancellationToken cancellationToken) =>
        await FindAsync(buildId, cancellationToken) is { } build && build.OwnerUid == uid
            ? build
            : throw ProblemException.NotFound("No such build.");

    /// <summary>The builds of one of the caller's projects, newest first, in cursor pages.</summary>
    public async Task<BuildPage> ListAsync(string uid, string projectId, int? pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        await projects.GetOwnedAsync(uid, projectId, cancellationToken);
        var settings = options.Value;
        var size = PageSizes.Resolve(pageSize, settings.DefaultPageSize, settings.MaxPageSize);
        var query = ProjectBuildsQuery(uid, projectId).Take(size).ContinueAfter(pageToken);

        var result = await documents.QueryAsync(query, cancellationToken);
        return new BuildPage(result.Documents.Select(BuildDocuments.FromSnapshot).ToList(), result.NextCursor?.ToToken());
    }

    /// <summary>The query of a project's builds, newest first (its composite index is declared in AddBuilds).</summary>
    public static DocumentQuery ProjectBuildsQuery(string uid, string projectId) => new DocumentQuery(BuildStorage.Collection)
        .Where(BuildDocuments.OwnerUid, FilterOperator.Equal, uid)
        .Where(BuildDocuments.ProjectId, FilterOperator.Equal, projectId)
        .OrderBy(BuildDocuments.CreatedAt, SortDirection.Descending);

    /// <summary>The project's last published build (its commit is where the next release notes start).</summary>
    public static DocumentQuery LastPublishedQuery(string uid, string projectId) => new DocumentQuery(BuildStorage.Collection)
        .Where(BuildDocuments.OwnerUid, FilterOperator.Equal, uid)
        .Where(BuildDocuments.ProjectId, FilterOperator.Equal, projectId)
        .Where(BuildDocuments.State, FilterOperator.Equal, BuildStates.Succeeded)
        .OrderBy(BuildDocuments.CreatedAt, SortDirection.Descending)
        .Take(1);

    public async Task<string?> LastPublishedCommitAsync(string uid, string projectId, CancellationToken cancellationToken)
    {
        var result = await documents.QueryAsync(LastPublishedQuery(uid, projectId), cancellationToken);
        return result.Documents.Count > 0 ? result.Documents[0].GetString(BuildDocuments.CommitSha) : null;
    }

    /// <summary>Cancels the caller's running build; 409 when it already ended.</summary>
    public async Task<Build> CancelAsync(string uid, string buildId, CancellationToken cancellationToken)
    {
        var build = await GetOwnedAsync(uid, buildId, cancellationToken);
        if (build.IsTerminal)
        {
            throw ProblemException.Conflict($"The build already ended ({build.State}).");
        }

        var result = await transitions.TransitionAsync(buildId, (_, _) => new BuildChange(BuildStates.Cancelled, new Dictionary<string, object?>(), "Cancelled by you."), cancellationToken);
        if (result is { Changed: false, Build.State: not BuildStates.Cancelled })
        {
            throw ProblemException.Conflict($"The build already ended ({result.Build.State}).");
        }

        return result?.Build ?? build;
    }
}

internal static class BuildProblemCodes
{
    /// <summary>A credential the pipeline needs is not stored; the problem's <c>credential</c> names it.</summary>
    public const string CredentialMissing = "credential_missing";
}
