using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.BuildCache;

/// <summary>
/// <c>/v1/build-cache/**</c>: Gradle's HTTP build cache for the users' build workflows.
/// <c>POST /sessions</c> trades the run's GitHub OIDC token for a Basic credential;
/// <c>GET</c>/<c>PUT /{key}</c> speak Gradle's protocol (200 hit, 404 miss, 2xx stored, 413 too
/// large; docs.gradle.org, HttpBuildCache, read 2026-12-08) within the credential owner's prefix.
/// </summary>
internal static class BuildCacheEndpoints
{
    public const string EntriesPath = "/v1/build-cache";

    private const long MaxBodylessBytes = 1024;

    public static IServiceCollection AddBuildCache(this IServiceCollection services)
    {
        services.AddOptions<BuildCacheOptions>().BindConfiguration(BuildCacheOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<BuildCacheOptions>, BuildCacheOptionsValidator>();
        services.AddSingleton<BuildCacheCredentials>();
        services.AddSingleton<BuildCacheSessions>();
        services.AddSingleton<BuildCacheEntries>();
        return services;
    }

    public static RouteGroupBuilder MapBuildCache(this IEndpointRouteBuilder app)
    {
        var maxEntryBytes = app.ServiceProvider.GetRequiredService<IOptions<BuildCacheOptions>>().Value.MaxEntryBytes;

        // Called by the workflow and by Gradle, which hold no Firebase token: each handler checks its own credential.
        var cache = app.MapGroup(EntriesPath).WithTags("Build cache").AllowAnonymous();
        cache.MapPost("/sessions", CreateSessionAsync)
            .WithMetadata(new RequestSizeLimitAttribute(MaxBodylessBytes))
            .WithName("CreateBuildCacheSession")
            .WithSummary("?buildId=: trades the workflow run's GitHub OIDC token (audience = this BFF) for a Basic credential of the build owner's cache; 503 when no cache is configured.")
            .Produces<BuildCacheSession>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        // A build sends hundreds of these from one runner address, far past the anonymous
        // per-address bucket, and Gradle turns the cache off at the first 429. Each request
        // costs one HMAC before anything is read, and the credential bounds who gets further.
        cache.MapGet("/{key}", GetEntryAsync)
            .DisableRateLimiting()
            .WithName("GetBuildCacheEntry")
            .WithSummary("A Gradle cache entry of the credential's owner: 200 with the entry, 404 on a miss.")
            .Produces(StatusCodes.Status200OK, contentType: BuildCacheRules.EntryContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound);
        cache.MapPut("/{key}", PutEntryAsync)
            .DisableRateLimiting()
            .WithMetadata(new RequestSizeLimitAttribute(maxEntryBytes))
            .WithName("PutBuildCacheEntry")
            .WithSummary("Stores a Gradle cache entry under the credential's owner (default-branch runs only); 413 above BuildCache:MaxEntryBytes, storing nothing.")
            .Accepts<Stream>(BuildCacheRules.EntryContentType)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return cache;
    }

    private static async Task<Results<Ok<BuildCacheSession>, ValidationProblem>> CreateSessionAsync(
        HttpRequest request, BuildCacheSessions sessions, CancellationToken cancellationToken)
    {
        // The build id travels in the query, so the session needs no body at all.
        var buildId = request.Query["buildId"].ToString();
        if (string.IsNullOrEmpty(buildId))
        {
            return Problems.Validation("buildId", "Name the build the run builds (?buildId=).");
        }

        return TypedResults.Ok(await sessions.CreateAsync(request, buildId, cancellationToken));
    }

    private static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> GetEntryAsync(
        string key, HttpRequest request, BuildCacheCredentials credentials, BuildCacheEntries entries, CancellationToken cancellationToken)
    {
        var grant = credentials.Verify(request);
        var entry = await entries.OpenAsync(grant, key, cancellationToken);
        if (entry is null)
        {
            return Problems.NotFound("No cache entry with this key.");
        }

        // The result disposes the stream once it is written.
        return TypedResults.Stream(entry.Content, BuildCacheRules.EntryContentType);
    }

    private static async Task<NoContent> PutEntryAsync(
        string key, HttpRequest request, BuildCacheCredentials credentials, BuildCacheEntries entries, CancellationToken cancellationToken)
    {
        var grant = credentials.Verify(request);
        await entries.StoreAsync(grant, key, request, cancellationToken);
        return TypedResults.NoContent();
    }
}
