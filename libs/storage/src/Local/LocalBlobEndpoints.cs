using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;

namespace PocketCode.Storage.Local;

/// <summary>
/// Serves the local blob store's signed URLs, standing in for Cloud Storage's own signed-URL
/// endpoint. The signature is the only credential, so the routes allow anonymous callers.
/// </summary>
public static class LocalBlobEndpoints
{
    public const string RoutePrefix = "blobs";

    public static IEndpointConventionBuilder MapLocalBlobEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/" + RoutePrefix).AllowAnonymous().ExcludeFromDescription();
        group.MapGet("/{bucket}/{**name}", DownloadAsync);
        // Signed uploads may be large (build artifacts of hundreds of MB); the signature bounds who
        // can send them and MaxSignedUploadBytes how much. As metadata, so the limit is raised
        // before any middleware checks the declared Content-Length against the default body limit.
        group.MapPut("/{bucket}/{**name}", UploadAsync).DisableAntiforgery()
            .WithMetadata(SignedUploadSizeLimit.Instance);
        return group;
    }

    private static async Task<IResult> DownloadAsync(string bucket, string name, HttpContext context)
    {
        if (!TryAuthorize(context, SignedUrlMethod.Get, bucket, name, out var store, out var denied))
        {
            return denied;
        }

        var reader = await store.OpenReadAsync(bucket, name, context.RequestAborted);
        if (reader is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The object does not exist.");
        }

        context.Response.RegisterForDisposeAsync(reader);
        return TypedResults.Stream(reader.Content, reader.Info.ContentType, lastModified: reader.Info.Updated,
            entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue($"\"{reader.Info.ETag}\""));
    }

    private static async Task<IResult> UploadAsync(string bucket, string name, HttpContext context)
    {
        if (!TryAuthorize(context, SignedUrlMethod.Put, bucket, name, out var store, out var denied))
        {
            return denied;
        }

        var signedType = context.Request.Query["contentType"].ToString();
        if (signedType.Length > 0 && !string.Equals(signedType, context.Request.ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The upload's content type differs from the signed one.");
        }

        // The same for hosts whose routing does not apply request size metadata.
        var sizeLimit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>();
        if (sizeLimit is { IsReadOnly: false })
        {
            sizeLimit.MaxRequestBodySize = MaxSignedUploadBytes;
        }

        var info = await store.PutAsync(bucket, name, context.Request.Body, new BlobWriteOptions
        {
            ContentType = context.Request.ContentType ?? "application/octet-stream",
        }, context.RequestAborted);
        context.Response.Headers.ETag = $"\"{info.ETag}\"";
        return TypedResults.Ok();
    }

    private static bool TryAuthorize(HttpContext context, SignedUrlMethod method, string bucket, string name, out LocalBlobStore store, out IResult denied)
    {
        store = (context.RequestServices.GetRequiredService<IBlobStore>() as LocalBlobStore)!;
        denied = TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The signed URL is not valid.", detail: "It may have expired, been altered, or been used with another method.");
        var query = context.Request.Query;
        return store is not null
            && string.Equals(query["method"], method.ToString(), StringComparison.OrdinalIgnoreCase)
            && long.TryParse(query["expires"], NumberStyles.None, CultureInfo.InvariantCulture, out var expires)
            && BlobNames.IsKnownBucket(bucket)
            && store.VerifySignature(method, bucket, name, expires, query["contentType"].Count > 0 ? query["contentType"].ToString() : null, query["signature"].ToString());
    }

    /// <summary>
    /// Largest object one signed PUT may write (5 GiB): far above any project archive or build
    /// artifact, yet a leaked URL cannot stream without end into the data folder.
    /// </summary>
    public const long MaxSignedUploadBytes = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// What MVC's RequestSizeLimitAttribute says, without referencing MVC from the storage library
    /// (services publishing Native AOT reference it too).
    /// </summary>
    private sealed class SignedUploadSizeLimit : Microsoft.AspNetCore.Http.Metadata.IRequestSizeLimitMetadata
    {
        public static SignedUploadSizeLimit Instance { get; } = new();

        public long? MaxRequestBodySize => MaxSignedUploadBytes;
    }
}
