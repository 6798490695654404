using System.IO.Compression;
using PocketCode.Archives;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects.Files;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.Projects.Archives;

/// <summary>How an imported zip meets the project's existing files.</summary>
internal enum ImportMode
{
    /// <summary>Afterwards the project holds exactly the zip's files (the default).</summary>
    Replace,

    /// <summary>The zip's files are added or overwrite; files not in the zip stay.</summary>
    Merge,
}

internal sealed record ImportResult(int Written, int Deleted, ProjectTree Tree);

/// <summary>
/// Imports a zip into a project, all or nothing as far as the zip's content goes: the upload is
/// spooled to a temporary file (a zip's directory is at its end, so reading needs seeking), its
/// entries are counted before <see cref="ZipArchive"/> materialises them (<see cref="ZipPreflight"/>), every
/// entry is checked and inflated into a temporary folder under the limits, and only when the whole
/// archive passed are the project's files touched. Rejected: paths that escape or are not plain
/// relative paths (zip-slip, absolute, drive letters, backslashes, <c>.git</c>), symlinks and other
/// special files (Unix mode bits in the external attributes), encrypted entries, duplicates,
/// file/folder clashes, too many entries, and zip bombs: per-entry and total inflated size and the
/// compression ratio are enforced on the bytes actually produced while inflating, never on the
/// sizes the headers claim.
/// </summary>
internal sealed class ArchiveImporter(ProjectFileService files, ProjectService projects, IOptions<ProjectsOptions> options)
{
    public const string RejectedCode = "archive_rejected";

    // Uploads in flight at once while applying; each streams from its own temporary file.
    private const int UploadParallelism = 4;

    public async Task<ImportResult> ImportAsync(
        Project project, Stream body, long? declaredLength, ImportMode mode, EntityTags.Condition ifMatch, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (declaredLength > settings.MaxArchiveBytes)
        {
            throw LengthLimitedStream.TooLarge(settings.MaxArchiveBytes, "archive");
        }

        var work = Directory.CreateTempSubdirectory("pocketcode-import-");
        try
        {
            var zipPath = Path.Combine(work.FullName, "upload.zip");
            await SpoolAsync(body, zipPath, settings.MaxArchiveBytes, cancellationToken);
            var staged = await StageAsync(zipPath, work.FullName, settings, cancellationToken);
            return await ApplyAsync(project, staged, mode, ifMatch, cancellationToken);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // The OS temp cleaner gets it.
            }
        }
    }

    private static async Task SpoolAsync(Stream body, string zipPath, long maxBytes, CancellationToken cancellationToken)
    {
        var limited = LengthLimitedStream.Refusing(body, maxBytes, "archive");
        await using var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await limited.CopyToAsync(file, cancellationToken);
    }

    private sealed record StagedFile(ProjectPath Path, string TempFile);

    private static async Task<List<StagedFile>> StageAsync(string zipPath, string workFolder, ProjectsOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            var staged = await SafeZipStager.StageAsync(zipPath, workFolder, settings.ArchiveLimits(), cancellationToken);
            return staged.Select(f => new StagedFile(ProjectPath.Parse(f.Path), f.TempFile)).ToList();
        }
        catch (NotAZipException)
        {
            throw ProblemException.BadRequest("The request body is not a zip archive.");
        }
        catch (ZipRejectedException ex)
        {
            throw Rejected(ex.Message);
        }
    }

    private async Task<ImportResult> ApplyAsync(Project project, List<StagedFile> staged, ImportMode mode, EntityTags.Condition ifMatch, CancellationToken cancellationToken)
    {
        var existing = await files.ListAllAsync(project, cancellationToken);
        if (ifMatch.Present)
        {
            var treeTag = ProjectTree.From(existing, project.BlobPrefix).ETag.Trim('"');
            if (ifMatch.Malformed || !ifMatch.MatchesForIfMatch(treeTag))
            {
                throw ProblemException.PreconditionFailed("The project's files changed since you read the tree (If-Match does not match its ETag).");
            }
        }

        var incomingFiles = staged.Select(f => f.Path.Value).ToHashSet(StringComparer.Ordinal);
        var incomingFolders = staged.SelectMany(f => f.Path.Ancestors()).Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
        var existingPaths = existing.Select(b => b.Name[project.BlobPrefix.Length..]).ToList();

        // Existing files that stand where the zip needs a folder, or lie under a path the zip makes a file.
        var blocking = existingPaths.Where(p => !incomingFiles.Contains(p)
            && (incomingFolders.Contains(p) || RelativePathRules.AncestorsOf(p).Any(incomingFiles.Contains))).ToList();
        if (mode == ImportMode.Merge && blocking.Count > 0)
        {
            throw ProblemException.Conflict($"Merging would put a file and a folder at '{blocking[0]}'; import with mode=replace or move it first.");
        }

        var stale = mode == ImportMode.Replace
            ? existingPaths.Where(p => !incomingFiles.Contains(p)).ToList()
            : [];

        // Validation is over; from here on storage errors are the only failures, and repeating
        // the request converges on the same result.
        var deleted = 0;
        foreach (var path in blocking)
        {
            deleted += await files.DeleteTrustedAsync(project, path, cancellationToken) ? 1 : 0;
        }

        var written = new System.Collections.Concurrent.ConcurrentBag<BlobInfo>();
        await Parallel.ForEachAsync(staged, new ParallelOptions { MaxDegreeOfParallelism = UploadParallelism, CancellationToken = cancellationToken }, async (file, ct) =>
        {
            await using var content = new FileStream(file.TempFile, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
            written.Add(await files.PutTrustedAsync(project, file.Path, content, ct));
        });

        foreach (var path in stale.Except(blocking, StringComparer.Ordinal))
        {
            deleted += await files.DeleteTrustedAsync(project, path, cancellationToken) ? 1 : 0;
        }

        if (!await projects.TryTouchAsync(project, cancellationToken))
        {
            // Deleted while importing: remove what this import wrote after the delete's listing.
            foreach (var blob in written)
            {
                await files.DeleteTrustedAsync(project, blob.Name[project.BlobPrefix.Length..], CancellationToken.None);
            }

            throw ProjectService.NotFound();
        }

        return new ImportResult(written.Count, deleted, await files.GetTreeAsync(project, cancellationToken));
    }

    private static ProblemException Rejected(string reason) =>
        new(StatusCodes.Status422UnprocessableEntity, RejectedCode, "The archive was not imported, and the project is unchanged: " + reason);

}
