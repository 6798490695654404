using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Platform.Secrets;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>What a build asks for, after validation.</summary>
internal sealed record BuildRequest(string Track, string ReleaseStatus, double? RolloutFraction, long? VersionCode, string? Message);

internal sealed record BuildPage(IReadOnlyList<Build> Items, string? NextPageToken);

/// <summary>A change to a build decided inside the transaction: a new state (or none) plus fields.</summary>
internal sealed record BuildChange(string? NewState, IReadOnlyDictionary<string, object?> Fields, string? HistoryMessage = null);

internal sealed record TransitionResult(Build Build, bool Changed);

/// <summary>
/// The seam where a build reaches succeeded, failed or cancelled. Called once per build, after the
/// terminal state is committed; it must return quickly (push notifications queue the build and
/// send in the background: Notifications/PushNotifier).
/// </summary>
internal interface IBuildCompletionSink
{
    Task OnBuildFinishedAsync(Build build, CancellationToken cancellationToken);
}

internal sealed partial class LoggingBuildCompletionSink(ILogger<LoggingBuildCompletionSink> logger) : IBuildCompletionSink
{
    public Task OnBuildFinishedAsync(Build build, CancellationToken cancellationToken)
    {
        LogFinished(logger, build.Id, build.State, build.Error?.Code);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {BuildId} finished: {State} {ErrorCode}")]
    private static partial void LogFinished(ILogger logger, string buildId, string state, string? errorCode);
}

/// <summary>
/// Builds: the <c>builds/{id}</c> documents and their state machine. Every change runs in a
/// document-store transaction that also updates the project's <c>lastBuild</c>, and a build only
/// moves forward (<see cref="BuildStates.CanMove"/>), so reports applied twice or late change nothing.
/// </summary>
internal sealed partial class BuildService(
    IDocumentStore documents,
    IBlobStore blobs,
    ProjectService projects,
    CredentialVault vault,
    IBuildCompletionSink completion,
    IOptions<BuildsOptions> options)
{
    public static readonly string[] KnownReleaseStatuses = ["draft", "completed", "inProgress"];
    public const int MaxMessageLength = 500;
    private const long MaxVersionCode = 2_100_000_000;

    /// <summary>Field errors of a create request (empty when valid).</summary>
    public static Dictionary<string, string[]> Validate(string? track, string? releaseStatus, double? rolloutFraction, long? versionCode, string? message)
    {
        var errors = new Dictionary<string, string[]>();
        if (track is null || !TrackPattern().IsMatch(track))
        {
            errors["track"] = ["Name a Play track: internal, alpha, beta, production or a custom closed-testing track (lower-case letters, digits, '-', '_')."];
        }

        if (releaseStatus is null || !KnownReleaseStatuses.Contains(releaseStatus, StringComparer.Ordinal))
        {
            errors["releaseStatus"] = ["Use draft, completed or inProgress."];
        }
        else if (releaseStatus == "inProgress" && rolloutFraction is not (> 0 and < 1))
        {
            errors["rolloutFraction"] = ["A staged rollout (inProgress) needs rolloutFraction between 0 and 1, e.g. 0.1 for 10%."];
        }
        else if (releaseStatus != "inProgress" && rolloutFraction is not null)
        {
            errors["rolloutFraction"] = ["rolloutFraction applies only to releaseStatus inProgress."];
        }

        if (versionCode is < 1 or > MaxVersionCode)
        {
            errors["versionCode"] = [$"versionCode must be between 1 and {MaxVersionCode}."];
        }

        if (message is not null && (message.Length > MaxMessageLength || message.Any(c => char.IsControl(c) && c != '\n')))
        {
            errors["message"] = [$"The commit message is at most {MaxMessageLength} characters, without control characters other than new lines."];
        }

        return errors;
    }

    /// <summary>
    /// Creates a queued build of the caller's project. Refuses when a credential the pipeline needs
    /// is missing, or when the project's previous build is still running.
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

            tx.Create(BuildStorage.DocumentPath(buildId), BuildDocuments.NewBuild(uid, project.Id, request));
            tx.Update(projectPath, new Dictionary<string, object?> { [ProjectDocuments.LastBuild] = LastBuildValue(buildId, BuildStates.Queued) });
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

    public async Task<Build?> FindAsync(string buildId, CancellationToken cancellationToken) =>
        BuildStorage.IsValidId(buildId) && await documents.GetAsync(BuildStorage.DocumentPath(buildId), cancellationToken) is { } snapshot
            ? BuildDocuments.FromSnapshot(snapshot)
            : null;

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
        var size = pageSize ?? settings.DefaultPageSize;
        if (size < 1 || size > settings.MaxPageSize)
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, $"pageSize must be between 1 and {settings.MaxPageSize}.");
        }

        var query = ProjectBuildsQuery(uid, projectId).Take(size);
        if (!string.IsNullOrEmpty(pageToken))
        {
            try
            {
                var cursor = QueryCursor.Parse(pageToken);
                cursor.EnsureMatches(query);
                query = query.StartAfter(cursor);
            }
            catch (FormatException)
            {
                throw ProblemException.BadRequest("pageToken is not a token this list returned; start again without it.");
            }
        }

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

    /// <summary>
    /// Applies a change decided from the current document, atomically with the project's
    /// <c>lastBuild</c>. <paramref name="decide"/> returns null for "nothing to do".
    /// </summary>
    public async Task<TransitionResult?> TransitionAsync(string buildId, Func<Build, Project?, BuildChange?> decide, CancellationToken cancellationToken)
    {
        var path = BuildStorage.DocumentPath(buildId);
        var outcome = await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var snapshot = await tx.GetAsync(path, ct);
            if (snapshot is null)
            {
                return ((Build?)null, false, (string?)null);
            }

            var build = BuildDocuments.FromSnapshot(snapshot);
            var projectPath = ProjectStorage.DocumentPath(build.ProjectId);
            var projectSnapshot = await tx.GetAsync(projectPath, ct);
            var project = projectSnapshot is null ? null : ProjectDocuments.FromSnapshot(projectSnapshot);
            var change = decide(build, project);
            if (change is null)
            {
                return (build, false, (string?)null);
            }

            var fields = new Dictionary<string, object?>(change.Fields) { [BuildDocuments.UpdatedAt] = FieldValue.ServerTimestamp };
            string? newState = null;
            if (change.NewState is { } next && BuildStates.CanMove(build.State, next))
            {
                newState = next;
                fields[BuildDocuments.State] = next;
                var seq = build.History.Count == 0 ? 1 : build.History[^1].Seq + 1;
                var history = build.History.Select(h => (object?)BuildDocuments.TransitionValue(h)).ToList();
                history.Add(BuildDocuments.TransitionValue(new BuildTransition(seq, next, DateTimeOffset.UtcNow, change.HistoryMessage)));
                fields[BuildDocuments.History] = history;
                if (project?.LastBuild?.BuildId == build.Id)
                {
                    tx.Update(projectPath, new Dictionary<string, object?> { [ProjectDocuments.LastBuild] = LastBuildValue(build.Id, next) });
                }
            }
            else if (change.NewState is not null)
            {
                // A state the build has passed (or a terminal build): nothing changes.
                return (build, false, (string?)null);
            }

            tx.Update(path, fields);
            return (build, true, newState);
        }, cancellationToken: cancellationToken);

        if (outcome.Item1 is null)
        {
            return null;
        }

        var after = await FindAsync(buildId, cancellationToken) ?? outcome.Item1;
        if (outcome.Item3 is { } reached && BuildStates.IsTerminal(reached))
        {
            await completion.OnBuildFinishedAsync(after, cancellationToken);
        }

        return new TransitionResult(after, outcome.Item2);
    }

    /// <summary>Marks a build failed with an actionable error (no-op when it already ended).</summary>
    public Task<TransitionResult?> FailAsync(string buildId, BuildError error, CancellationToken cancellationToken) =>
        TransitionAsync(buildId, (_, _) => new BuildChange(BuildStates.Failed, new Dictionary<string, object?>
        {
            [BuildDocuments.Error] = BuildDocuments.ErrorValue(error),
            [BuildDocuments.Step] = error.Step,
        }, error.Message), cancellationToken);

    /// <summary>Cancels the caller's running build; 409 when it already ended.</summary>
    public async Task<Build> CancelAsync(string uid, string buildId, CancellationToken cancellationToken)
    {
        var build = await GetOwnedAsync(uid, buildId, cancellationToken);
        if (build.IsTerminal)
        {
            throw ProblemException.Conflict($"The build already ended ({build.State}).");
        }

        var result = await TransitionAsync(buildId, (_, _) => new BuildChange(BuildStates.Cancelled, new Dictionary<string, object?>(), "Cancelled by you."), cancellationToken);
        if (result is { Changed: false, Build.State: not BuildStates.Cancelled })
        {
            throw ProblemException.Conflict($"The build already ended ({result.Build.State}).");
        }

        return result?.Build ?? build;
    }

    /// <summary>
    /// Applies a workflow report. The caller has proven with its OIDC token that it runs in
    /// <paramref name="repository"/> as run <paramref name="runId"/>; the build must belong to that
    /// repository and (once bound by the first report) to that run.
    /// </summary>
    public async Task<TransitionResult> ApplyEventAsync(string buildId, string repository, long runId, BuildEventRequest report, CancellationToken cancellationToken)
    {
        if (report.RunId != runId)
        {
            throw ProblemException.Forbidden("The report's runId is not the run its token was issued to.");
        }

        var result = await TransitionAsync(buildId, (build, project) =>
        {
            EnsureCaller(build, repository, runId);
            var fields = new Dictionary<string, object?> { [BuildDocuments.WorkflowRunId] = runId };
            if (report.VersionCode is { } code)
            {
                fields[BuildDocuments.VersionCode] = code;
            }

            if (report.ReleaseNotes is { } notes)
            {
                fields[BuildDocuments.ReleaseNotes] = notes.Length > WorkflowContract.MaxReleaseNotesLength ? notes[..WorkflowContract.MaxReleaseNotesLength] : notes;
            }

            string? message = report.Step;
            switch (report.State)
            {
                case BuildStates.Failed:
                    var error = BuildErrors.FromWorkflow(report.Step, report.Message, report.VersionCode ?? build.VersionCode);
                    fields[BuildDocuments.Error] = BuildDocuments.ErrorValue(error);
                    fields[BuildDocuments.Step] = error.Step;
                    message = error.Message;
                    break;
                case BuildStates.Succeeded when project is not null:
                    fields[BuildDocuments.PlayListingUrl] = PlayListingUrl(project.ApplicationId);
                    break;
                default:
                    if (report.Step is { } step)
                    {
                        fields[BuildDocuments.Step] = step;
                    }

                    break;
            }

            return new BuildChange(report.State, fields, message);
        }, cancellationToken) ?? throw ProblemException.NotFound("No such build.");
        return result;
    }

    /// <summary>A signed PUT URL for one artifact of the caller's run, recorded on the build.</summary>
    public async Task<ArtifactUploadResponse> CreateUploadUrlAsync(string buildId, string repository, long runId, ArtifactUploadRequest request, CancellationToken cancellationToken)
    {
        if (request.RunId != runId)
        {
            throw ProblemException.Forbidden("The request's runId is not the run its token was issued to.");
        }

        var file = request.File;
        var result = await TransitionAsync(buildId, (build, _) =>
        {
            EnsureCaller(build, repository, runId);
            if (build.IsTerminal)
            {
                throw ProblemException.Conflict($"The build already ended ({build.State}).");
            }

            var files = build.ArtifactFiles.Contains(file, StringComparer.Ordinal) ? build.ArtifactFiles : [.. build.ArtifactFiles, file];
            return new BuildChange(null, new Dictionary<string, object?>
            {
                [BuildDocuments.ArtifactFiles] = files.Select(f => (object?)f).ToList(),
                [BuildDocuments.WorkflowRunId] = runId,
            });
        }, cancellationToken) ?? throw ProblemException.NotFound("No such build.");

        var lifetime = options.Value.ArtifactUrlLifetime;
        var contentType = ArtifactContentType(file);
        var url = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, result.Build.ArtifactPrefix + file, SignedUrlMethod.Put, lifetime, contentType, cancellationToken);
        return new ArtifactUploadResponse(url.ToString(), "PUT", contentType, DateTimeOffset.UtcNow + lifetime);
    }

    /// <summary>A short-lived download URL of one of the caller's artifacts (the AAB unless <paramref name="file"/> names another).</summary>
    public async Task<ArtifactDownload> CreateDownloadUrlAsync(string uid, string buildId, string? file, CancellationToken cancellationToken)
    {
        var build = await GetOwnedAsync(uid, buildId, cancellationToken);
        var name = file ?? build.ArtifactFiles.FirstOrDefault(f => f.EndsWith(".aab", StringComparison.Ordinal)) ?? (build.ArtifactFiles.Count > 0 ? build.ArtifactFiles[0] : null);
        if (name is null || !build.ArtifactFiles.Contains(name, StringComparer.Ordinal)
            || await blobs.GetInfoAsync(BucketNames.BuildArtifacts, build.ArtifactPrefix + name, cancellationToken) is not { } info)
        {
            throw ProblemException.NotFound(file is null ? "This build has no artifact yet." : $"This build has no artifact '{file}'.");
        }

        var lifetime = options.Value.ArtifactUrlLifetime;
        var url = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, info.Name, SignedUrlMethod.Get, lifetime, cancellationToken: cancellationToken);
        return new ArtifactDownload(name, info.Size, url.ToString(), DateTimeOffset.UtcNow + lifetime);
    }

    public static bool IsValidArtifactFile(string? file) => file is not null && ArtifactFilePattern().IsMatch(file);

    public static string PlayListingUrl(string applicationId) =>
        "https://play.google.com/store/apps/details?id=" + Uri.EscapeDataString(applicationId);

    private static string ArtifactContentType(string file) => file.EndsWith(".apk", StringComparison.Ordinal)
        ? "application/vnd.android.package-archive"
        : "application/octet-stream";

    private static void EnsureCaller(Build build, string repository, long runId)
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

    private static Dictionary<string, object?> LastBuildValue(string buildId, string state) => new()
    {
        ["buildId"] = buildId,
        ["state"] = state,
        ["updatedAt"] = DateTimeOffset.UtcNow,
    };

    public static string FormatFraction(double? fraction) => fraction?.ToString("0.####", CultureInfo.InvariantCulture) ?? string.Empty;

    [GeneratedRegex("^[a-z][a-z0-9_:-]{0,49}$")]
    private static partial Regex TrackPattern();

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\.(aab|apk)$")]
    private static partial Regex ArtifactFilePattern();
}

internal sealed record ArtifactDownload(string File, long Size, string Url, DateTimeOffset ExpiresAt);

internal static class BuildProblemCodes
{
    /// <summary>A credential the pipeline needs is not stored; the problem's <c>credential</c> names it.</summary>
    public const string CredentialMissing = "credential_missing";
}
