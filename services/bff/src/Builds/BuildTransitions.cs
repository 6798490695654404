using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>A change to a build decided inside the transaction: a new state (or none) plus fields.</summary>
internal sealed record BuildChange(string? NewState, IReadOnlyDictionary<string, object?> Fields, string? HistoryMessage = null);

internal sealed record TransitionResult(Build Build, bool Changed);

/// <summary>
/// The builds' state machine. Every change runs in a document-store transaction that also updates
/// the project's <c>lastBuild</c>, and a build only moves forward (<see cref="BuildStates.CanMove"/>),
/// so reports applied twice or late change nothing. Terminal states reach the
/// <see cref="IBuildCompletionSink"/> once, after the commit.
/// </summary>
internal sealed class BuildTransitions(IDocumentStore documents, IBuildCompletionSink completion)
{
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

        var after = await BuildStorage.FindAsync(documents, buildId, cancellationToken) ?? outcome.Item1;
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

        await RaiseVersionCodeAsync(buildId, repository, runId, report, cancellationToken);
        var result = await TransitionAsync(buildId, (build, project) =>
        {
            BuildRules.EnsureCaller(build, repository, runId);
            // The version code was fixed when the build was created; a report cannot change it.
            var fields = new Dictionary<string, object?> { [BuildDocuments.WorkflowRunId] = runId };
            if (report.ReleaseNotes is { } notes)
            {
                fields[BuildDocuments.ReleaseNotes] = notes.Length > WorkflowContract.MaxReleaseNotesLength ? notes[..WorkflowContract.MaxReleaseNotesLength] : notes;
            }

            string? message = report.Step;
            switch (report.State)
            {
                case BuildStates.Failed:
                    var error = report.ErrorCode == BuildErrors.VersionCodeUsed && report.VersionCode is { } refused
                        ? BuildErrors.VersionCodeTaken(BuildErrors.StepName(report.Step), refused)
                        : BuildErrors.FromWorkflow(report.Step, report.Message, build.VersionCode);
                    fields[BuildDocuments.Error] = BuildDocuments.ErrorValue(error);
                    fields[BuildDocuments.Step] = error.Step;
                    message = error.Message;
                    break;
                case BuildStates.Succeeded when (build.ApplicationId ?? project?.ApplicationId) is { Length: > 0 } applicationId:
                    // Builds created before applicationId was stored on them take the project's.
                    if (build.ApplicationId is null)
                    {
                        fields[BuildDocuments.ApplicationId] = applicationId;
                    }

                    // playListingUrl only when the release is on the public listing (the outcome link says the rest).
                    if (BuildOutcomes.Of(build.Track, build.ReleaseStatus, build.RolloutFraction, applicationId) is { Kind: OutcomeKinds.Listing } listing)
                    {
                        fields[BuildDocuments.PlayListingUrl] = listing.Url;
                    }

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

    /// <summary>
    /// When Play refused a version code as used (or the workflow reports one above the build's),
    /// moves the owner's counter for the app to at least that code, before the build is marked, so
    /// the next build gets a higher one. Only the build's own run may do it.
    /// </summary>
    private async Task RaiseVersionCodeAsync(string buildId, string repository, long runId, BuildEventRequest report, CancellationToken cancellationToken)
    {
        if (report.VersionCode is not { } code || await BuildStorage.FindAsync(documents, buildId, cancellationToken) is not { } build
            || (report.ErrorCode != BuildErrors.VersionCodeUsed && code <= (build.VersionCode ?? 0)))
        {
            return;
        }

        BuildRules.EnsureCaller(build, repository, runId);
        var applicationId = build.ApplicationId;
        if (string.IsNullOrEmpty(applicationId)
            && await documents.GetAsync(ProjectStorage.DocumentPath(build.ProjectId), cancellationToken) is { } project)
        {
            applicationId = ProjectDocuments.FromSnapshot(project).ApplicationId;
        }

        if (!string.IsNullOrEmpty(applicationId))
        {
            await VersionCodes.RaiseAsync(documents, build.OwnerUid, applicationId, code, cancellationToken);
        }
    }

    /// <summary>The project's <c>lastBuild</c> value.</summary>
    public static Dictionary<string, object?> LastBuildValue(string buildId, string state) => new()
    {
        ["buildId"] = buildId,
        ["state"] = state,
        ["updatedAt"] = DateTimeOffset.UtcNow,
    };
}
