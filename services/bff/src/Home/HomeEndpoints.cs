using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PocketCode.Bff.Routing;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Home;

internal static class HomeEndpoints
{
    public static IServiceCollection AddHome(this IServiceCollection services)
    {
        services.AddOptions<HomeOptions>().BindConfiguration(HomeOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HomeOptions>, HomeOptionsValidator>();
        services.AddSingleton<HomeService>();
        // HomeService's recent builds: the owner's builds, most recently updated first.
        services.AddDocumentStoreRequirements(DocumentStoreRequirements.Of(
            new CompositeIndex(HomeService.BuildsCollection, IndexField.Asc("ownerUid"), IndexField.Desc("updatedAt"))));
        var client = services.AddMarketplaceClient<MarketplaceHighlightsClient>()
            // The client's own deadline (Home:MarketplaceTimeout) is the one that counts.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan);

        // No retries or 30 s budget: one short try, then the screen goes on without highlights.
        // Experimental API, but the supported way to opt one client out of the defaults.
#pragma warning disable EXTEXP0001
        client.RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        return services;
    }

    /// <summary><c>GET /v1/home</c>: everything the home screen shows, in one round trip.</summary>
    public static RouteGroupBuilder MapHome(this IEndpointRouteBuilder endpoints)
    {
        var home = endpoints.MapGroup("/v1/home").WithTags("Home");
        home.MapGet("", GetHomeAsync)
            .WithName("GetHome")
            .WithSummary("Profile, recent projects, recent builds and marketplace highlights in one call.")
            .WithDescription("Marketplace highlights are best effort: when the marketplace is down or slow, marketplace.status is \"unavailable\" and the rest still comes. Carries an ETag; If-None-Match gets 304 when nothing changed.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        return home;
    }

    private static async Task<Results<FileContentHttpResult, StatusCodeHttpResult>> GetHomeAsync(
        HttpContext http, ICurrentUser user, HomeService home, IOptions<JsonOptions> json, CancellationToken cancellationToken)
    {
        var response = await home.GetAsync(user, http.Request.Headers.Authorization.ToString(), cancellationToken);

        // The ETag is a hash of the body: it changes exactly when something the screen shows does.
        var body = JsonSerializer.SerializeToUtf8Bytes(response, json.Value.SerializerOptions);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16));
        http.Response.Headers.ETag = EntityTags.Weak(hash);
        http.Response.Headers.CacheControl = "private, no-cache";
        if (EntityTags.NoneMatchHits(http.Request.Headers.IfNoneMatch, hash))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.File(body, "application/json");
    }
}
