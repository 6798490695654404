using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using PocketCode.Bff.Projects.Files;
using PocketCode.Bff.Projects;
using PocketCode.Platform;

namespace PocketCode.Bff.Projects.Archives;

internal sealed record ImportResponse(string Mode, int Written, int Deleted, IReadOnlyList<FileEntry> Files, [property: JsonPropertyName("etag")] string ETag);

/// <summary><c>GET|POST /v1/projects/{id}/archive</c>: the project as a zip, out and in.</summary>
internal static class ArchivesEndpoints
{
    /// <summary>Maps the archive routes on the projects group (<c>/v1/projects/{id}/archive</c>).</summary>
    public static RouteGroupBuilder MapArchives(this RouteGroupBuilder group, ProjectsOptions settings)
    {
        group.MapGet("/{id}/archive", ExportAsync)
            .WithName("ExportProjectArchive")
            .WithSummary("Streams every file of the project as a zip.")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/archive", ImportAsync)
            .WithName("ImportProjectArchive")
            .WithSummary("Imports a zip sent as the raw request body. ?mode=replace (default): the project becomes exactly the zip's files; ?mode=merge: the zip's files are added or overwrite. If-Match: the tree's ETag. Nothing changes unless the whole zip is acceptable.")
            .WithMetadata(new RequestSizeLimitAttribute(settings.MaxArchiveBytes))
            .Produces<ImportResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return group;
    }

    private static async Task<PushStreamHttpResult> ExportAsync(string id, ICurrentUser user, ProjectService projects, ArchiveExporter exporter, CancellationToken cancellationToken)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        return TypedResults.Stream(
            body => exporter.WriteZipAsync(project, body, cancellationToken),
            "application/zip",
            ArchiveExporter.FileName(project));
    }

    private static async Task<Results<Ok<ImportResponse>, ValidationProblem>> ImportAsync(
        string id, HttpContext http, ICurrentUser user, ProjectService projects, ArchiveImporter importer, CancellationToken cancellationToken, string? mode = null)
    {
        var project = await projects.GetOwnedAsync(user.Uid, id, cancellationToken);
        ImportMode importMode;
        switch (mode)
        {
            case null or "replace": importMode = ImportMode.Replace; break;
            case "merge": importMode = ImportMode.Merge; break;
            default: return Problems.Validation("mode", "mode is 'replace' (default) or 'merge'.");
        }

        var result = await importer.ImportAsync(project, http.Request.Body, http.Request.ContentLength, importMode, EntityTags.Parse(http.Request.Headers.IfMatch), cancellationToken);
        http.Response.Headers.ETag = result.Tree.ETag;
        return TypedResults.Ok(new ImportResponse(importMode == ImportMode.Merge ? "merge" : "replace", result.Written, result.Deleted, result.Tree.Files, result.Tree.ETag));
    }
}
