using System.Text.Json.Serialization;
using PocketCode.Bff.Projects;

namespace PocketCode.Bff.Builds;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateBuildRequest(string? Track = "internal", string? ReleaseStatus = "completed", double? RolloutFraction = null, long? VersionCode = null, string? Message = null, string? VersionName = null);

internal sealed record BuildResponse(
    string Id,
    string ProjectId,
    string State,
    string? Step,
    string Track,
    string ReleaseStatus,
    double? RolloutFraction,
    long? VersionCode,
    string? Message,
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
    string? VersionName,
    OutcomeLink? OutcomeLink)
{
    public static BuildResponse From(Build b) => new(
        b.Id, b.ProjectId, b.State, b.Step, b.Track, b.ReleaseStatus, b.RolloutFraction, b.VersionCode, b.Message, b.GithubRepo,
        b.CommitSha, b.WorkflowRunId, b.ArtifactFiles, b.ReleaseNotes, b.PlayListingUrl, b.Error, b.History, b.CreatedAt, b.UpdatedAt,
        b.VersionName, BuildOutcomes.Of(b));
}

internal sealed record BuildListResponse(IReadOnlyList<BuildResponse> Builds, string? NextPageToken);

internal sealed record BuildEventOutcome(string State, bool Applied);

/// <summary>
/// One SSE event: a transition, plus the outcome on the terminal one (<see cref="PlayListingUrl"/>
/// only when it is a public listing; <see cref="OutcomeLink"/> says what any link is).
/// </summary>
internal sealed record BuildStreamEvent(string BuildId, long Seq, string State, DateTimeOffset At, string? Message, BuildError? Error, string? PlayListingUrl, OutcomeLink? OutcomeLink = null);
