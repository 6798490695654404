using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Creators;
using PocketCode.Marketplace.Reviews;
using PocketCode.Marketplace.Search;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace;

/// <summary>The marketplace's HTTP surface under <c>/v1/marketplace</c>; rules live in the services.</summary>
public static class MarketplaceApi
{
    public static IServiceCollection AddMarketplace(this IServiceCollection services)
    {
        services.AddOptions<MarketplaceOptions>().BindConfiguration(MarketplaceOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MarketplaceOptions>, MarketplaceOptionsValidator>();
        services.AddSingleton<AssetService>();
        services.AddSingleton<ReviewService>();
        services.AddSingleton<CreatorService>();
        services.AddDocumentStoreRequirements(SearchQueries.Indexes());
        services.AddDocumentStoreRequirements(ReviewService.Indexes());
        return services;
    }

    public static IEndpointRouteBuilder MapMarketplaceApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/marketplace").WithTags("Marketplace");
        group.MapPost("/assets", CreateAsync).WithSummary("Creates an asset (a draft until its first version is published).");
        group.MapGet("/assets/{id}", GetAsync).WithSummary("An asset with its latest version and version list.");
        group.MapPatch("/assets/{id}", UpdateAsync).WithSummary("Changes an asset's metadata (author only).");
        group.MapDelete("/assets/{id}", DeleteAsync).WithSummary("Deletes an asset (author only): hidden at once, files purged.");
        group.MapPost("/assets/{id}/versions", CreateVersionAsync).WithSummary("Declares a version (semver, changelog, SHA-256, size) and returns a signed upload URL.");
        group.MapGet("/assets/{id}/versions/{version}", GetVersionAsync).WithSummary("One version.");
        group.MapPut("/assets/{id}/versions/{version}/file", UploadAsync).WithSummary("Uploads the version's zip through the service, then verifies and publishes it.");
        group.MapPost("/assets/{id}/versions/{version}/confirm", ConfirmAsync).WithSummary("Verifies a zip uploaded to the signed URL and publishes the version.");
        group.MapGet("/assets/{id}/versions/{version}/download", DownloadAsync).WithSummary("A short-lived signed download URL; counts the download.");
        group.MapGet("/assets/{id}/reviews", ListReviewsAsync).WithSummary("Reviews, newest or most helpful first, cursor-paged.");
        group.MapPut("/assets/{id}/reviews/me", PutReviewAsync).WithSummary("Creates or replaces the caller's review.");
        group.MapDelete("/assets/{id}/reviews/me", DeleteReviewAsync).WithSummary("Deletes the caller's review.");
        group.MapPost("/reviews/{reviewId}/helpful", HelpfulAsync).WithSummary("Marks a review helpful (once per user).");
        group.MapPost("/assets/{id}/reports", (string id, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) => ReportAsync("asset", id, body, user, reviews, ct))
            .WithSummary("Reports an asset to the moderators.");
        group.MapPost("/reviews/{reviewId}/reports", (string reviewId, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) => ReportAsync("review", reviewId, body, user, reviews, ct))
            .WithSummary("Reports a review to the moderators.");
        group.MapGet("/search", SearchAsync).WithSummary("Text search with filters, sorts and cursor pages (one store query per page).");
        group.MapGet("/highlights", HighlightsAsync).WithSummary("A few top templates for the home screen.");
        group.MapGet("/creators/{uid}", CreatorAsync).WithSummary("A creator's public profile, assets and totals.");

        var admin = group.MapGroup("/admin").RequireAuthorization(PlatformPolicies.Admin);
        admin.MapGet("/reports", ListReportsAsync).WithSummary("Open reports, newest first (admins).");
        admin.MapPost("/assets/{id}/hide", (string id, ICurrentUser user, AssetService assets, CancellationToken ct) => assets.SetHiddenAsync(Caller.From(user), id, true, ct));
        admin.MapPost("/assets/{id}/restore", (string id, ICurrentUser user, AssetService assets, CancellationToken ct) => assets.SetHiddenAsync(Caller.From(user), id, false, ct));
        admin.MapPost("/reviews/{reviewId}/hide", (string reviewId, ReviewService reviews, CancellationToken ct) => reviews.SetHiddenAsync(reviewId, true, ct));
        admin.MapPost("/reviews/{reviewId}/restore", (string reviewId, ReviewService reviews, CancellationToken ct) => reviews.SetHiddenAsync(reviewId, false, ct));
        return endpoints;
    }

    private static async Task<Created<AssetView>> CreateAsync(CreateAssetRequest body, ICurrentUser user, AssetService assets, CancellationToken ct)
    {
        var view = await assets.CreateAsync(user.Uid, body, ct);
        return TypedResults.Created($"/v1/marketplace/assets/{view.Id}", view);
    }

    private static async Task<Ok<AssetView>> GetAsync(string id, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.GetAsync(Caller.From(user), id, ct));

    private static async Task<Ok<AssetView>> UpdateAsync(string id, UpdateAssetRequest body, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.UpdateAsync(user.Uid, AssetService.CheckId(id), body, ct));

    private static async Task<NoContent> DeleteAsync(string id, ICurrentUser user, AssetService assets, CancellationToken ct)
    {
        await assets.DeleteAsync(user.Uid, AssetService.CheckId(id), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Created<CreatedVersion>> CreateVersionAsync(string id, CreateVersionRequest body, ICurrentUser user, AssetService assets, CancellationToken ct)
    {
        var created = await assets.CreateVersionAsync(user.Uid, AssetService.CheckId(id), body, ct);
        return TypedResults.Created($"/v1/marketplace/assets/{id}/versions/{created.Version.Version}", created);
    }

    private static async Task<Ok<VersionView>> GetVersionAsync(string id, string version, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.GetVersionAsync(Caller.From(user), id, version, ct));

    private static async Task<Ok<VersionView>> UploadAsync(string id, string version, HttpRequest request, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.UploadAsync(user.Uid, id, version, request.Body, request.ContentLength, ct));

    private static async Task<Ok<VersionView>> ConfirmAsync(string id, string version, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.ConfirmAsync(user.Uid, id, version, ct));

    private static async Task<Ok<DownloadLink>> DownloadAsync(string id, string version, ICurrentUser user, AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.DownloadAsync(Caller.From(user), id, version, ct));

    private static async Task<Ok<ReviewPage>> ListReviewsAsync(
        string id, string? sort, int? pageSize, string? pageToken, ICurrentUser user, ReviewService reviews, IOptions<MarketplaceOptions> options, CancellationToken ct) =>
        TypedResults.Ok(await reviews.ListAsync(Caller.From(user), id, sort, PageSize(pageSize, options.Value), pageToken, ct));

    private static async Task<Ok<ReviewView>> PutReviewAsync(string id, ReviewRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.PutAsync(Caller.From(user), id, body, ct));

    private static async Task<NoContent> DeleteReviewAsync(string id, ICurrentUser user, ReviewService reviews, CancellationToken ct)
    {
        await reviews.DeleteOwnAsync(Caller.From(user), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ReviewView>> HelpfulAsync(string reviewId, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.MarkHelpfulAsync(Caller.From(user), reviewId, ct));

    private static async Task<Accepted> ReportAsync(string type, string id, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct)
    {
        await reviews.ReportAsync(Caller.From(user), type, id, body, ct);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Ok<ReportPage>> ListReportsAsync(int? pageSize, string? pageToken, ReviewService reviews, IOptions<MarketplaceOptions> options, CancellationToken ct) =>
        TypedResults.Ok(await reviews.ListReportsAsync(PageSize(pageSize, options.Value), pageToken, ct));

    private static async Task<Ok<SearchPage>> SearchAsync(
        string? q, string? kind, string? tag, string? author, string? sort, int? pageSize, string? pageToken,
        AssetService assets, IOptions<MarketplaceOptions> options, CancellationToken ct)
    {
        if (q?.Length > 200)
        {
            throw AssetRules.Invalid("q", "q is at most 200 characters.");
        }

        var request = new SearchRequest(
            string.IsNullOrWhiteSpace(q) ? null : q,
            string.IsNullOrEmpty(kind) ? null : AssetRules.Kind(kind),
            string.IsNullOrEmpty(tag) ? null : AssetRules.Tags([tag])[0],
            string.IsNullOrEmpty(author) ? null : author,
            sort switch
            {
                null or "" or "relevance" => SearchSort.Relevance,
                "downloads" => SearchSort.Downloads,
                "rating" => SearchSort.Rating,
                "recency" => SearchSort.Recency,
                _ => throw AssetRules.Invalid("sort", "sort is relevance, downloads, rating or recency."),
            },
            PageSize(pageSize, options.Value),
            ReviewService.ParseToken(pageToken));
        return TypedResults.Ok(await assets.SearchAsync(request, ct));
    }

    private static async Task<Ok<HighlightsResponse>> HighlightsAsync(AssetService assets, CancellationToken ct) =>
        TypedResults.Ok(await assets.HighlightsAsync(ct));

    private static async Task<Ok<CreatorProfile>> CreatorAsync(string uid, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.GetAsync(uid, ct));

    private static int PageSize(int? requested, MarketplaceOptions options) => requested switch
    {
        null => options.DefaultPageSize,
        < 1 => throw AssetRules.Invalid("pageSize", "pageSize must be positive."),
        var size => Math.Min(size.Value, options.MaxPageSize),
    };
}
