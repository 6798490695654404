using System.Text.Json;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Users;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Home;

internal sealed record HomeResponse(
    MeResponse Profile,
    IReadOnlyList<ProjectResponse> RecentProjects,
    IReadOnlyList<BuildSummary> RecentBuilds,
    HomeMarketplace Marketplace);

internal sealed record HomeMarketplace(string Status, IReadOnlyList<JsonElement> Highlights);

/// <summary>A build as the home screen lists it (fields of the <c>builds</c> documents).</summary>
internal sealed record BuildSummary(string Id, string? ProjectId, string? State, DateTimeOffset? CreatedAt, DateTimeOffset? UpdatedAt);

/// <summary>
/// The home screen in one call. The four parts are independent, so they run at the same time:
/// the screen costs the slowest of them, not their sum.
/// </summary>
internal sealed class HomeService(UserService users, ProjectService projects, IDocumentStore documents, MarketplaceHighlightsClient marketplace)
{
    public const int RecentCount = 5;
    public const string BuildsCollection = "builds";

    public async Task<HomeResponse> GetAsync(ICurrentUser user, string? authorization, CancellationToken cancellationToken)
    {
        var uid = user.Uid;
        var profile = users.GetOrCreateAsync(user, cancellationToken);
        var recentProjects = projects.ListAsync(uid, RecentCount, null, cancellationToken);
        var recentBuilds = RecentBuildsAsync(uid, cancellationToken);
        var highlights = marketplace.GetAsync(authorization, cancellationToken);
        await Task.WhenAll(profile, recentProjects, recentBuilds, highlights);

        var h = await highlights;
        return new HomeResponse(
            UserDocumentMapper.ToResponse(await profile),
            (await recentProjects).Items.Select(ProjectResponse.From).ToList(),
            await recentBuilds,
            new HomeMarketplace(h.Available ? "ok" : "unavailable", h.Items));
    }

    private async Task<IReadOnlyList<BuildSummary>> RecentBuildsAsync(string uid, CancellationToken cancellationToken)
    {
        var query = new DocumentQuery(BuildsCollection)
            .Where("ownerUid", FilterOperator.Equal, uid)
            .OrderBy("updatedAt", SortDirection.Descending)
            .Take(RecentCount);
        var result = await documents.QueryAsync(query, cancellationToken);
        return result.Documents
            .Select(d => new BuildSummary(d.Id, d.GetString("projectId"), d.GetString("state"), d.GetTimestamp("createdAt"), d.GetTimestamp("updatedAt")))
            .ToList();
    }
}
