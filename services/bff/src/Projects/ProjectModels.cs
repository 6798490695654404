using System.Text.Json.Serialization;
using PocketCode.Platform;

namespace PocketCode.Bff.Projects;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record CreateProjectRequest(string Name, string ApplicationId, string? Template = null);

/// <summary>Only the name changes after creation: the application id is permanent on Google Play.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record UpdateProjectRequest(string Name);

internal sealed record ProjectResponse(
    string Id,
    string Name,
    string ApplicationId,
    string Template,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset LastActivityAt,
    GithubRepoBinding? GithubRepo,
    LastBuildSummary? LastBuild,
    [property: JsonPropertyName("etag")] string ETag)
{
    public static ProjectResponse From(Project p) => new(
        p.Id, p.Name, p.ApplicationId, p.Template, p.CreatedAt, p.UpdatedAt, p.LastActivityAt, p.GithubRepo, p.LastBuild, EntityTags.Quote(p.Version));
}

internal sealed record ProjectListResponse(IReadOnlyList<ProjectResponse> Projects, string? NextPageToken);
