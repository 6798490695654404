using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PocketCode.Bff.Projects;
using PocketCode.Platform;

namespace PocketCode.Bff.Projects.Files;

[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record MoveFileRequest(string From, string To, bool Overwrite = false);

/// <summary>
/// Source files of a project: <c>GET .../tree</c>, <c>GET|PUT|DELETE .../files/{**path}</c> and
/// <c>POST .../files:move</c>. Contents stream in and out; ETags are blob generations.
/// </summary>
internal static class FilesEndpoints
{
    /// <summary>Maps the file routes on the projects group (<c>/v1/projects/{id}/files/**</c>).</summary>
    public static RouteGroupBuilder MapFiles(this RouteGroupBuilder group, ProjectsOptions settings)
    {
        group.MapGet("/{id}/tree", GetTreeAsync)
            .WithName("GetProjectTree")
            .WithSummary("Every file of the project with its size and ETag; If-None-Match with the tree's ETag answers 304.")
            .Produces<ProjectTree>()
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{id}/files/{**path}", GetFileAsync)
            .WithName("GetProjectFile")
            .WithSummary("Streams a file's content; ETag / If-None-Match supported.")
            .Produces(StatusCodes.Status200OK, contentType: "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id}/files/{**path}", PutFileAsync)
            .WithName("PutProjectFile")
            .WithSummary("Creates or replaces a file from the raw request body (any content type; the stored type follows the file name). If-Match: its ETag (412 when stale); If-None-Match: * to only create.")
            .WithMetadata(new RequestSizeLimitAttribute(settings.MaxFileBytes))
            .Produces<FileEntry>(StatusCodes.Status200OK)
            .Produces<FileEntry>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);

        group.MapDelete("/{id}/files/{**path}", DeleteFileAsync)
            .WithName("DeleteProjectFile")
            .WithSummary("Deletes a file; If-Match makes it conditional.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);

        group.MapPost("/{id}/files:move", MoveFileAsync)
            .WithName("MoveProjectFile")
            .WithSummary("Renames a file. If-Match applies to 'from'; 'to' must not exist unless overwrite is true.")
            .WithMetadata(new RequestSizeLimitAttribute(settings.MaxJsonBodyBytes))
            .Produces<FileEntry>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return group;
    }

    private static async Task<Results<Ok<ProjectTree>, StatusCodeHttpResult>> GetTreeAsync(
        string id, HttpContext http, ICurrentUser user, ProjectService projects, ProjectFileService files, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        var tree = await files.GetTreeAsync(project, cancellationToken);
        SetValidators(http, tree.ETag);
        return EntityTags.NoneMatchHits(http.Request.Headers.IfNoneMatch, tree.ETag.Trim('"'))
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Ok(tree);
    }

    private static async Task<Results<FileStreamHttpResult, StatusCodeHttpResult, ProblemHttpResult>> GetFileAsync(
        string id, string path, HttpContext http, ICurrentUser user, ProjectService projects, ProjectFileService files, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        var file = ProjectPath.Parse(path);
        var reader = await files.OpenAsync(project, file, cancellationToken);
        if (reader is null)
        {
            return Problems.NotFound("No such file in this project.");
        }

        var etag = EntityTags.Quote(reader.Info.Generation);
        SetValidators(http, etag);
        if (EntityTags.NoneMatchHits(http.Request.Headers.IfNoneMatch, etag.Trim('"')))
        {
            await reader.DisposeAsync();
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        // The result copies the blob stream to the response in chunks and disposes it.
        http.Response.ContentLength = reader.Info.Size;
        return TypedResults.Stream(reader.Content, reader.Info.ContentType);
    }

    private static async Task<Results<Created<FileEntry>, Ok<FileEntry>>> PutFileAsync(
        string id, string path, HttpContext http, ICurrentUser user, ProjectService projects, ProjectFileService files, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        var file = ProjectPath.Parse(path);
        var request = http.Request;
        var result = await files.WriteAsync(
            project,
            file,
            request.Body,
            request.ContentLength,
            EntityTags.Parse(request.Headers.IfMatch),
            EntityTags.Parse(request.Headers.IfNoneMatch),
            cancellationToken);

        http.Response.Headers.ETag = result.File.ETag;
        return result.Created
            ? TypedResults.Created(FileLocation(project.Id, file), result.File)
            : TypedResults.Ok(result.File);
    }

    private static async Task<NoContent> DeleteFileAsync(
        string id, string path, HttpContext http, ICurrentUser user, ProjectService projects, ProjectFileService files, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        await files.DeleteAsync(project, ProjectPath.Parse(path), EntityTags.Parse(http.Request.Headers.IfMatch), cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<FileEntry>> MoveFileAsync(
        string id, MoveFileRequest body, HttpContext http, ICurrentUser user, ProjectService projects, ProjectFileService files, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        var from = ProjectPath.Parse(body.From, "'from' path");
        var to = ProjectPath.Parse(body.To, "'to' path");
        var moved = await files.MoveAsync(project, from, to, EntityTags.Parse(http.Request.Headers.IfMatch), body.Overwrite, cancellationToken);
        http.Response.Headers.ETag = moved.ETag;
        return TypedResults.Ok(moved);
    }

    private static string FileLocation(string projectId, ProjectPath path) =>
        $"/v1/projects/{projectId}/files/" + string.Join('/', path.Value.Split('/').Select(Uri.EscapeDataString));

    private static void SetValidators(HttpContext http, string etag)
    {
        http.Response.Headers.ETag = etag;
        http.Response.Headers.CacheControl = "private, no-cache";
    }
}
