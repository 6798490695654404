using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Assets;

internal sealed record CreateAssetRequest
{
    public string? Kind { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public string? Readme { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public string? License { get; init; }

    public IReadOnlyDictionary<string, string>? MinSettings { get; init; }
}

/// <summary>Metadata changes; absent (null) members stay as they are. The kind cannot change.</summary>
internal sealed record UpdateAssetRequest
{
    public string? Title { get; init; }

    public string? Description { get; init; }

    public string? Readme { get; init; }

    public IReadOnlyList<string>? Tags { get; init; }

    public string? License { get; init; }

    public IReadOnlyDictionary<string, string>? MinSettings { get; init; }
}

internal sealed record CreateVersionRequest
{
    public string? Version { get; init; }

    public string? Changelog { get; init; }

    public string? Sha256 { get; init; }

    public long? Size { get; init; }
}

internal sealed record AssetSummary(
    string Id,
    string Kind,
    string Title,
    string Description,
    IReadOnlyList<string> Tags,
    string AuthorUid,
    string? LatestVersion,
    long Downloads,
    long ReviewCount,
    double AverageRating,
    DateTimeOffset? PublishedAt);

internal sealed record VersionView(
    string Version,
    string Status,
    string Changelog,
    string ChangelogHtml,
    string Sha256,
    long Size,
    long Downloads,
    string? Reason,
    DateTimeOffset CreatedAt,
    DateTimeOffset? PublishedAt);

internal sealed record AssetView(
    string Id,
    string Kind,
    string Title,
    string Description,
    string Readme,
    string ReadmeHtml,
    IReadOnlyList<string> Tags,
    string License,
    IReadOnlyDictionary<string, string> MinSettings,
    string AuthorUid,
    string Status,
    bool Hidden,
    string? LatestVersion,
    long Downloads,
    long ReviewCount,
    double AverageRating,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? PublishedAt,
    VersionView? Latest,
    IReadOnlyList<VersionView> Versions);

internal sealed record UploadInstructions(Uri Url, string Method, string ContentType, DateTimeOffset ExpiresAt);

internal sealed record CreatedVersion(VersionView Version, UploadInstructions Upload);

internal sealed record DownloadLink(Uri Url, DateTimeOffset ExpiresAt, string Sha256, long Size, string Version);

internal sealed record SearchPage(IReadOnlyList<AssetSummary> Items, string? NextPageToken);

internal sealed record HighlightsResponse(IReadOnlyList<AssetSummary> Highlights);

internal static class AssetMapping
{
    public static AssetSummary Summary(DocumentSnapshot doc) => new(
        doc.Id,
        doc.GetString(AssetFields.Kind) ?? AssetFields.KindComponent,
        doc.GetString(AssetFields.Title) ?? string.Empty,
        doc.GetString(AssetFields.Description) ?? string.Empty,
        Strings(doc.GetArray(AssetFields.Tags)),
        doc.GetString(AssetFields.AuthorUid) ?? string.Empty,
        doc.GetString(AssetFields.LatestVersion),
        doc.GetInt64(AssetFields.Downloads) ?? 0,
        doc.GetInt64(AssetFields.ReviewCount) ?? 0,
        doc.GetDouble(AssetFields.AverageRating) ?? 0,
        doc.GetTimestamp(AssetFields.PublishedAt));

    public static VersionView Version(DocumentSnapshot doc)
    {
        var changelog = doc.GetString(VersionFields.Changelog) ?? string.Empty;
        return new VersionView(
            doc.GetString(VersionFields.Version) ?? doc.Id,
            doc.GetString(VersionFields.Status) ?? VersionFields.StatusPending,
            changelog,
            SafeMarkdown.ToHtml(changelog),
            doc.GetString(VersionFields.Sha256) ?? string.Empty,
            doc.GetInt64(VersionFields.Size) ?? 0,
            doc.GetInt64(VersionFields.Downloads) ?? 0,
            doc.GetString(VersionFields.Reason),
            doc.GetTimestamp(VersionFields.CreatedAt) ?? doc.CreateTime,
            doc.GetTimestamp(VersionFields.PublishedAt));
    }

    public static AssetView View(DocumentSnapshot doc, VersionView? latest, IReadOnlyList<VersionView> versions)
    {
        var readme = doc.GetString(AssetFields.Readme) ?? string.Empty;
        var settings = doc.GetMap(AssetFields.MinSettings)?.ToDictionary(p => p.Key, p => p.Value as string ?? string.Empty, StringComparer.Ordinal)
            ?? new Dictionary<string, string>(StringComparer.Ordinal);
        var summary = Summary(doc);
        return new AssetView(
            summary.Id,
            summary.Kind,
            summary.Title,
            summary.Description,
            readme,
            SafeMarkdown.ToHtml(readme),
            summary.Tags,
            doc.GetString(AssetFields.License) ?? string.Empty,
            settings,
            summary.AuthorUid,
            doc.GetString(AssetFields.Status) ?? AssetFields.StatusDraft,
            doc.GetBoolean(AssetFields.Hidden) ?? false,
            summary.LatestVersion,
            summary.Downloads,
            summary.ReviewCount,
            summary.AverageRating,
            doc.GetTimestamp(AssetFields.CreatedAt) ?? doc.CreateTime,
            doc.GetTimestamp(AssetFields.UpdatedAt) ?? doc.UpdateTime,
            summary.PublishedAt,
            latest,
            versions);
    }

    public static List<string> Strings(IReadOnlyList<object?>? values) => values?.OfType<string>().ToList() ?? [];
}
