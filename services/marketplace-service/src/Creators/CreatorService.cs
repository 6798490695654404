using PocketCode.Accounts.Users;
using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Search;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Creators;

internal sealed record CreatorTotals(long Assets, long Downloads, long Reviews, double AverageRating);

internal sealed record CreatorProfile(string Uid, string DisplayName, string Bio, string? PhotoUrl, CreatorTotals Totals, IReadOnlyList<AssetSummary> Assets);

/// <summary>A creator's public page: profile fields of <c>users/{uid}</c> (written by the BFF) and their listed assets with totals.</summary>
internal sealed class CreatorService(IDocumentStore documents, UserProfiles profiles)
{
    public const int MaxAssets = 200;

    public async Task<CreatorProfile> GetAsync(string uid, CancellationToken cancellationToken)
    {
        if (!UserDocuments.IsUsableUid(uid))
        {
            throw ProblemException.NotFound("There is no such creator.");
        }

        var profile = await profiles.FindPublicAsync(uid, cancellationToken);
        var (query, _) = SearchQueries.Build(new SearchRequest(null, null, null, uid, SearchSort.Recency, MaxAssets, null));
        var assets = (await documents.QueryAsync(query, cancellationToken)).Documents;
        if (profile is null && assets.Count == 0)
        {
            throw ProblemException.NotFound("There is no such creator.");
        }

        long reviews = assets.Sum(a => a.GetInt64(AssetFields.ReviewCount) ?? 0);
        long ratingSum = assets.Sum(a => a.GetInt64(AssetFields.RatingSum) ?? 0);
        var totals = new CreatorTotals(
            assets.Count,
            assets.Sum(a => a.GetInt64(AssetFields.Downloads) ?? 0),
            reviews,
            reviews > 0 ? (double)ratingSum / reviews : 0.0);
        return new CreatorProfile(
            uid,
            profile?.DisplayName ?? string.Empty,
            profile?.Bio ?? string.Empty,
            profile?.PhotoUrl,
            totals,
            assets.Select(AssetMapping.Summary).ToList());
    }
}
