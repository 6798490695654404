using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Routing;
using PocketCode.Platform;

namespace PocketCode.Bff.Assets;

/// <summary><c>POST /v1/projects/{id}/assets</c>: installs a marketplace asset version into a project.</summary>
public static class AssetsApi
{
    public static IServiceCollection AddAssetInstalls(this IServiceCollection services)
    {
        services.AddHttpClient<MarketplaceAssetsClient>((sp, http) =>
        {
            var url = sp.GetRequiredService<IOptions<ServiceRoutesOptions>>().Value.Marketplace.Url!;
            http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
        });
        services.AddHttpClient(AssetInstaller.DownloadClient);
        services.AddScoped<AssetInstaller>();
        return services;
    }

    public static IEndpointRouteBuilder MapAssetsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/projects/{id}/assets", InstallAsync)
            .WithTags("Projects")
            .WithName("InstallMarketplaceAsset")
            .WithSummary("Installs a marketplace asset version: a template into an empty project, a component under 'path'. Existing files are kept unless overwrite is true.")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status502BadGateway);
        return endpoints;
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
