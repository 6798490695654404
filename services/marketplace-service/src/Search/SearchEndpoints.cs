using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PocketCode.Marketplace.Assets;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Search;

/// <summary><c>/v1/marketplace/search</c> and <c>/highlights</c>: listed assets only.</summary>
internal static class SearchEndpoints
{
    public const int MaxQueryLength = 200;

    public static IServiceCollection AddSearch(this IServiceCollection services)
    {
        services.AddMarketplaceOptions();
        services.TryAddSingleton<SearchService>();
        services.AddDocumentStoreRequirements(SearchQueries.Indexes());
        return services;
    }

    public static RouteGroupBuilder MapSearch(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/marketplace").WithTags("Marketplace");
        group.MapGet("/search", SearchAsync).WithName("SearchAssets").WithSummary("Text search with filters, sorts and cursor pages (one store query per page).");
        group.MapGet("/highlights", HighlightsAsync).WithName("GetHighlights").WithSummary("A few top templates for the home screen.");
        return group;
    }

    private static async Task<Ok<SearchPage>> SearchAsync(
        string? q, string? kind, string? tag, string? author, string? sort, int? pageSize, string? pageToken,
        SearchService search, IOptions<MarketplaceOptions> options, CancellationToken ct)
    {
        if (q?.Length > MaxQueryLength)
        {
            throw FieldErrors.Invalid("q", $"q is at most {MaxQueryLength} characters.");
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
                _ => throw FieldErrors.Invalid("sort", "sort is relevance, downloads, rating or recency."),
            },
            options.Value.PageSize(pageSize),
            PageTokens.Parse(pageToken));
        return TypedResults.Ok(await search.SearchAsync(request, ct));
    }

    private static async Task<Ok<HighlightsResponse>> HighlightsAsync(SearchService search, CancellationToken ct) =>
        TypedResults.Ok(await search.HighlightsAsync(ct));
}
