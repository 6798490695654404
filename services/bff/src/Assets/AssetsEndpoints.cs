using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Routing;
using PocketCode.Platform;

namespace PocketCode.Bff.Assets;

/// <summary><c>POST /v1/projects/{id}/assets</c>: installs a marketplace asset version into a project.</summary>
internal static class AssetsEndpoints
{
    public static IServiceCollection AddAssetInstalls(this IServiceCollection services)
    {
        services.AddMarketplaceClient<MarketplaceAssetsClient>();
        services.AddHttpClient(AssetInstaller.DownloadClient);
        services.AddScoped<AssetInstaller>();
        return services;
    }

    public static RouteGroupBuilder MapAssetInstalls(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/projects/{id}/assets").WithTags("Projects");
        group.MapPost("", InstallAsync)
            .WithName("InstallMarketplaceAsset")
            .WithSummary("Installs a marketplace asset version: a template into an empty project, a component under 'path'. Existing files are kept unless overwrite is true.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return group;
    }

    private static async Task<Ok<InstallAssetResponse>> InstallAsync(
        string id, InstallAssetRequest body, HttpContext http, ICurrentUser user, ProjectService projects, AssetInstaller installer, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        var result = await installer.InstallAsync(project, http.Request.Headers.Authorization.ToString(), body, cancellationToken);
        http.Response.Headers.ETag = result.ETag;
        return TypedResults.Ok(result);
    }
}
