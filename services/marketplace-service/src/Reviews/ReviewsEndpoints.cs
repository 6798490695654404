using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PocketCode.Marketplace.Assets;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Reviews;

/// <summary>Reviews of assets, helpful votes and reports; admins list reports and hide or restore reviews.</summary>
internal static class ReviewsEndpoints
{
    public static IServiceCollection AddReviews(this IServiceCollection services)
    {
        services.AddAssets();
        services.TryAddSingleton<ReviewService>();
        services.AddDocumentStoreRequirements(ReviewService.Indexes());
        return services;
    }

    public static RouteGroupBuilder MapReviews(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/marketplace").WithTags("Marketplace");
        group.MapGet("/assets/{id}/reviews", ListReviewsAsync).WithName("ListAssetReviews").WithSummary("Reviews, newest or most helpful first, cursor-paged.");
        group.MapPut("/assets/{id}/reviews/me", PutReviewAsync).WithName("PutMyReview").WithSummary("Creates or replaces the caller's review.");
        group.MapDelete("/assets/{id}/reviews/me", DeleteReviewAsync).WithName("DeleteMyReview").WithSummary("Deletes the caller's review.");
        group.MapPost("/reviews/{reviewId}/helpful", HelpfulAsync).WithName("MarkReviewHelpful").WithSummary("Marks a review helpful (once per user).");
        group.MapPost("/assets/{id}/reports", ReportAssetAsync).WithName("ReportAsset").WithSummary("Reports an asset to the moderators.");
        group.MapPost("/reviews/{reviewId}/reports", ReportReviewAsync).WithName("ReportReview").WithSummary("Reports a review to the moderators.");

        var admin = group.MapGroup("/admin").RequireAuthorization(PlatformPolicies.Admin);
        admin.MapGet("/reports", ListReportsAsync).WithName("ListReports").WithSummary("Open reports, newest first (admins).");
        admin.MapPost("/reviews/{reviewId}/hide", HideAsync).WithName("HideReview").WithSummary("Hides a review: it leaves the list and the asset's rating (admins).");
        admin.MapPost("/reviews/{reviewId}/restore", RestoreAsync).WithName("RestoreReview").WithSummary("Restores a hidden review (admins).");
        return group;
    }

    private static async Task<Ok<ReviewPage>> ListReviewsAsync(
        string id, string? sort, int? pageSize, string? pageToken, ICurrentUser user, ReviewService reviews, IOptions<MarketplaceOptions> options, CancellationToken ct) =>
        TypedResults.Ok(await reviews.ListAsync(Caller.From(user), id, sort, options.Value.PageSize(pageSize), pageToken, ct));

    private static async Task<Ok<ReviewView>> PutReviewAsync(string id, ReviewRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.PutAsync(Caller.From(user), id, body, ct));

    private static async Task<NoContent> DeleteReviewAsync(string id, ICurrentUser user, ReviewService reviews, CancellationToken ct)
    {
        await reviews.DeleteOwnAsync(Caller.From(user), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<ReviewView>> HelpfulAsync(string reviewId, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.MarkHelpfulAsync(Caller.From(user), reviewId, ct));

    private static Task<Accepted> ReportAssetAsync(string id, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        ReportAsync("asset", id, body, user, reviews, ct);

    private static Task<Accepted> ReportReviewAsync(string reviewId, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct) =>
        ReportAsync("review", reviewId, body, user, reviews, ct);

    private static async Task<Accepted> ReportAsync(string type, string id, ReportRequest body, ICurrentUser user, ReviewService reviews, CancellationToken ct)
    {
        await reviews.ReportAsync(Caller.From(user), type, id, body, ct);
        return TypedResults.Accepted((string?)null);
    }

    private static async Task<Ok<ReportPage>> ListReportsAsync(int? pageSize, string? pageToken, ReviewService reviews, IOptions<MarketplaceOptions> options, CancellationToken ct) =>
        TypedResults.Ok(await reviews.ListReportsAsync(options.Value.PageSize(pageSize), pageToken, ct));

    private static async Task<Ok<ReviewView>> HideAsync(string reviewId, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.SetHiddenAsync(reviewId, true, ct));

    private static async Task<Ok<ReviewView>> RestoreAsync(string reviewId, ReviewService reviews, CancellationToken ct) =>
        TypedResults.Ok(await reviews.SetHiddenAsync(reviewId, false, ct));
}
