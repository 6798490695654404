using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using PocketCode.Platform;

namespace PocketCode.Bff.Users;

/// <summary><c>/v1/me</c>: the caller's own profile and settings.</summary>
internal static class UsersEndpoints
{
    public static IServiceCollection AddUsers(this IServiceCollection services)
    {
        services.AddSingleton<UserService>();
        return services;
    }

    public static RouteGroupBuilder MapUsers(this IEndpointRouteBuilder endpoints)
    {
        var me = endpoints.MapGroup("/v1/me").WithTags("Users");

        me.MapGet("", GetMeAsync)
            .WithName("GetMe")
            .WithSummary("The caller's profile and settings, created from the token on first call.")
            .WithDescription("Carries an ETag; send it back in If-None-Match to get 304 when nothing changed, or in If-Match on PATCH.")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        me.MapPatch("", UpdateMeAsync)
            .WithName("UpdateMe")
            .WithSummary("Changes display name, bio, photo URL and settings (JSON merge patch).")
            .WithDescription("Members absent stay as they are; null clears bio and photoUrl or resets a setting. With If-Match, a stale ETag gets 412 and nothing changes.")
            .Accepts<UpdateMeRequest>("application/json", "application/merge-patch+json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        return me;
    }

    private static async Task<Results<Ok<MeResponse>, StatusCodeHttpResult>> GetMeAsync(
        HttpContext http, ICurrentUser user, UserService users, CancellationToken cancellationToken)
    {
        var snapshot = await users.GetOrCreateAsync(user, cancellationToken);
        SetCacheHeaders(http, snapshot.Version);
        if (EntityTags.NoneMatchHits(http.Request.Headers.IfNoneMatch, snapshot.Version))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Ok(UserDocumentMapper.ToResponse(snapshot));
    }

    private static async Task<Results<Ok<MeResponse>, ValidationProblem, ProblemHttpResult>> UpdateMeAsync(
        HttpContext http, ICurrentUser user, UserService users, CancellationToken cancellationToken)
    {
        // The body is read here rather than bound as a JsonElement parameter, so the OpenAPI
        // document shows UpdateMeRequest (from Accepts) instead of an untyped JSON value.
        if (!http.Request.HasJsonContentType())
        {
            return Problems.Create(StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType,
                "Send the patch as JSON (Content-Type: application/json or application/merge-patch+json).");
        }

        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(http.Request.Body, new JsonDocumentOptions { MaxDepth = 16 }, cancellationToken);
        }
        catch (JsonException)
        {
            return Problems.BadRequest("The request body is not valid JSON.");
        }

        using (document)
        {
            var patch = UserPatch.Parse(document.RootElement, out var errors);
            if (patch is null)
            {
                return errors.ToResult();
            }

            var snapshot = await users.UpdateAsync(user, patch, http.Request.Headers.IfMatch, cancellationToken);
            SetCacheHeaders(http, snapshot.Version);
            return TypedResults.Ok(UserDocumentMapper.ToResponse(snapshot));
        }
    }

    private static void SetCacheHeaders(HttpContext http, string version)
    {
        http.Response.Headers.ETag = EntityTags.Quote(version);
        // Per-user data: shared caches must not keep it, and the app revalidates with the ETag.
        http.Response.Headers.CacheControl = "private, no-cache";
    }
}
