using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PocketCode.Platform;

namespace PocketCode.Marketplace.Assets;

/// <summary><c>/v1/marketplace/assets</c>: assets, their versions and downloads; admins hide and restore assets.</summary>
internal static class AssetsEndpoints
{
    public static IServiceCollection AddAssets(this IServiceCollection services)
    {
        services.AddMarketplaceOptions();
        services.TryAddSingleton<AssetService>();
        services.TryAddSingleton<VersionService>();
        services.TryAddSingleton<AssetModeration>();
        return services;
    }

    public static RouteGroupBuilder MapAssets(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/marketplace/assets").WithTags("Marketplace");
        group.MapPost("", CreateAsync).WithName("CreateAsset").WithSummary("Creates an asset (a draft until its first version is published).");
        group.MapGet("/{id}", GetAsync).WithName("GetAsset").WithSummary("An asset with its latest version and version list.");
        group.MapPatch("/{id}", UpdateAsync).WithName("UpdateAsset").WithSummary("Changes an asset's metadata (author only).");
        group.MapDelete("/{id}", DeleteAsync).WithName("DeleteAsset").WithSummary("Deletes an asset (author only): hidden at once, files purged.");
        group.MapPost("/{id}/versions", CreateVersionAsync).WithName("DeclareAssetVersion").WithSummary("Declares a version (semver, changelog, SHA-256, size) and returns a signed upload URL.");
        group.MapGet("/{id}/versions/{version}", GetVersionAsync).WithName("GetAssetVersion").WithSummary("One version.");
        group.MapPut("/{id}/versions/{version}/file", UploadAsync).WithName("UploadAssetVersionFile").WithSummary("Uploads the version's zip through the service, then verifies and publishes it.");
        group.MapPost("/{id}/versions/{version}/confirm", ConfirmAsync).WithName("ConfirmAssetVersion").WithSummary("Verifies a zip uploaded to the signed URL and publishes the version.");
        group.MapGet("/{id}/versions/{version}/download", DownloadAsync).WithName("DownloadAssetVersion").WithSummary("A short-lived signed download URL; counts the download.");

        var admin = endpoints.MapGroup("/v1/marketplace/admin/assets").WithTags("Marketplace").RequireAuthorization(PlatformPolicies.Admin);
        admin.MapPost("/{id}/hide", HideAsync).WithName("HideAsset").WithSummary("Hides an asset from everyone but its author and admins (admins).");
        admin.MapPost("/{id}/restore", RestoreAsync).WithName("RestoreAsset").WithSummary("Shows a hidden asset again (admins).");
        return group;
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

    private static async Task<Created<CreatedVersion>> CreateVersionAsync(string id, CreateVersionRequest body, ICurrentUser user, VersionService versions, CancellationToken ct)
    {
        var created = await versions.CreateVersionAsync(user.Uid, AssetService.CheckId(id), body, ct);
        return TypedResults.Created($"/v1/marketplace/assets/{id}/versions/{created.Version.Version}", created);
    }

    private static async Task<Ok<VersionView>> GetVersionAsync(string id, string version, ICurrentUser user, VersionService versions, CancellationToken ct) =>
        TypedResults.Ok(await versions.GetVersionAsync(Caller.From(user), id, version, ct));

    private static async Task<Ok<VersionView>> UploadAsync(string id, string version, HttpRequest request, ICurrentUser user, VersionService versions, CancellationToken ct) =>
        TypedResults.Ok(await versions.UploadAsync(user.Uid, id, version, request.Body, request.ContentLength, ct));

    private static async Task<Ok<VersionView>> ConfirmAsync(string id, string version, ICurrentUser user, VersionService versions, CancellationToken ct) =>
        TypedResults.Ok(await versions.ConfirmAsync(user.Uid, id, version, ct));

    private static async Task<Ok<DownloadLink>> DownloadAsync(string id, string version, ICurrentUser user, VersionService versions, CancellationToken ct) =>
        TypedResults.Ok(await versions.DownloadAsync(Caller.From(user), id, version, ct));

    private static async Task<Ok<AssetView>> HideAsync(string id, ICurrentUser user, AssetModeration moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.SetHiddenAsync(Caller.From(user), id, true, ct));

    private static async Task<Ok<AssetView>> RestoreAsync(string id, ICurrentUser user, AssetModeration moderation, CancellationToken ct) =>
        TypedResults.Ok(await moderation.SetHiddenAsync(Caller.From(user), id, false, ct));
}
