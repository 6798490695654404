using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PocketCode.Accounts.Users;

namespace PocketCode.Marketplace.Creators;

/// <summary><c>/v1/marketplace/creators/{uid}</c>: a creator's public page.</summary>
internal static class CreatorsEndpoints
{
    public static IServiceCollection AddCreators(this IServiceCollection services)
    {
        services.AddUserProfiles();
        services.TryAddSingleton<CreatorService>();
        return services;
    }

    public static RouteGroupBuilder MapCreators(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/marketplace/creators").WithTags("Marketplace");
        group.MapGet("/{uid}", GetAsync).WithName("GetCreator").WithSummary("A creator's public profile, assets and totals.");
        return group;
    }

    private static async Task<Ok<CreatorProfile>> GetAsync(string uid, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.GetAsync(uid, ct));
}
