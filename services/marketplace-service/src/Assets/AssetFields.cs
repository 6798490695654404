namespace PocketCode.Marketplace.Assets;

/// <summary>Collections, field names and values of the marketplace's documents (DESIGN.md §3).</summary>
internal static class AssetFields
{
    public const string Collection = "marketplace_assets";
    public const string VersionsCollection = "versions";
    public const string ReviewsCollection = "asset_reviews";
    public const string VotesCollection = "review_votes";
    public const string ReportsCollection = "marketplace_reports";

    public const string AuthorUid = "authorUid";
    public const string Kind = "kind";
    public const string Title = "title";
    public const string Description = "description";
    public const string Readme = "readme";
    public const string Tags = "tags";
    public const string License = "license";
    public const string MinSettings = "minSettings";
    public const string Status = "status";
    public const string Hidden = "hidden";

    /// <summary>True exactly when search and listings may show the asset: published, not hidden, not deleted.</summary>
    public const string Listed = "listed";
    public const string LatestVersion = "latestVersion";
    public const string VersionCount = "versionCount";
    public const string Downloads = "downloads";
    public const string ReviewCount = "reviewCount";
    public const string RatingSum = "ratingSum";
    public const string AverageRating = "averageRating";

    /// <summary>The relevance sort key: a Bayesian average rating, kept in step by the review transactions.</summary>
    public const string Score = "score";
    public const string SearchTokens = "searchTokens";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string PublishedAt = "publishedAt";
    public const string DeletedAt = "deletedAt";

    public const string StatusDraft = "draft";
    public const string StatusPublished = "published";
    public const string StatusDeleted = "deleted";

    public const string KindTemplate = "template";
    public const string KindComponent = "component";

    public static string AssetPath(string assetId) => Collection + "/" + assetId;

    public static string VersionsPath(string assetId) => AssetPath(assetId) + "/" + VersionsCollection;

    public static string VersionPath(string assetId, string version) => VersionsPath(assetId) + "/" + version;

    public static string BlobName(string assetId, string version) => $"{assetId}/{version}/asset.zip";

    /// <summary>Bayesian average (prior: 5 votes of 3 stars), so one 5-star review does not outrank fifty 4.8s.</summary>
    public static double ScoreOf(long count, long sum) => (sum + (5 * 3.0)) / (count + 5);
}

internal static class VersionFields
{
    public const string Version = "version";
    public const string Changelog = "changelog";
    public const string Status = "status";
    public const string Reason = "reason";
    public const string Sha256 = "sha256";
    public const string Size = "size";
    public const string Downloads = "downloads";
    public const string CreatedAt = "createdAt";
    public const string PublishedAt = "publishedAt";

    public const string StatusPending = "pending";
    public const string StatusPublished = "published";
    public const string StatusRejected = "rejected";
}

internal static class ReviewFields
{
    public const string AssetId = "assetId";
    public const string Uid = "uid";
    public const string Rating = "rating";
    public const string Comment = "comment";
    public const string Hidden = "hidden";
    public const string Helpful = "helpful";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";

    public static string ReviewId(string assetId, string uid) => assetId + "_" + uid;

    public static string ReviewPath(string reviewId) => AssetFields.ReviewsCollection + "/" + reviewId;
}
