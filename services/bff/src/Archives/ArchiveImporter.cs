using System.Globalization;
using System.IO.Compression;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Files;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.Archives;

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

    private const int UnixTypeMask = 0xF000;
    private const int UnixRegularFile = 0x8000;
    private const int UnixDirectory = 0x4000;
    private const int UnixSymlink = 0xA000;

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
        var limited = new LengthLimitedStream(body, maxBytes, "archive");
        await using var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        await limited.CopyToAsync(file, cancellationToken);
    }

    private sealed record StagedFile(ProjectPath Path, string TempFile);

    private static async Task<List<StagedFile>> StageAsync(string zipPath, string workFolder, ProjectsOptions settings, CancellationToken cancellationToken)
    {
        await using var zipStream = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var entries = await ZipPreflight.CountEntriesAsync(zipStream, settings.MaxArchiveEntries, cancellationToken)
            ?? throw ProblemException.BadRequest("The request body is not a zip archive.");
        if (entries > settings.MaxArchiveEntries)
        {
            throw Rejected(string.Create(CultureInfo.InvariantCulture, $"it has more than {settings.MaxArchiveEntries} entries."));
        }

        zipStream.Position = 0;
        ZipArchive zip;
        try
        {
            zip = await ZipArchive.CreateAsync(zipStream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw ProblemException.BadRequest("The request body is not a zip archive.");
        }

        await using (zip)
        {
            // The preflight walked the same headers; this guards against any disagreement.
            if (zip.Entries.Count > settings.MaxArchiveEntries)
            {
                throw Rejected(string.Create(CultureInfo.InvariantCulture, $"it has more than {settings.MaxArchiveEntries} entries."));
            }

            var staged = new List<StagedFile>();
            var filePaths = new HashSet<string>(StringComparer.Ordinal);
            var folderPaths = new HashSet<string>(StringComparer.Ordinal);
            long total = 0;
            var buffer = new byte[81920];
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                var unixType = (entry.ExternalAttributes >> 16) & UnixTypeMask;
                if (unixType == UnixSymlink)
                {
                    throw Rejected($"entry '{Printable(name)}' is a symbolic link; only regular files can be imported.");
                }

                if (unixType is not (0 or UnixRegularFile or UnixDirectory))
                {
                    throw Rejected($"entry '{Printable(name)}' is a special file; only regular files can be imported.");
                }

                if (entry.IsEncrypted)
                {
                    throw Rejected($"entry '{Printable(name)}' is encrypted.");
                }

                var isFolder = name.EndsWith('/') || unixType == UnixDirectory;
                var pathText = isFolder ? name.TrimEnd('/') : name;
                if (!ProjectPath.TryParse(pathText, out var path, out var error))
                {
                    throw Rejected($"entry '{Printable(name)}' has a path that is not allowed: {error}");
                }

                if (isFolder)
                {
                    if (entry.Length != 0)
                    {
                        throw Rejected($"folder entry '{Printable(name)}' has content.");
                    }

                    folderPaths.Add(path.Value);
                    continue;
                }

                if (!filePaths.Add(path.Value))
                {
                    throw Rejected($"'{path.Value}' appears twice.");
                }

                // The header's size is only a hint for an early answer; the limits below count real bytes.
                if (entry.Length > settings.MaxFileBytes)
                {
                    throw Rejected(string.Create(CultureInfo.InvariantCulture, $"'{path.Value}' would be larger than the per-file limit of {settings.MaxFileBytes} bytes."));
                }

                var tempFile = Path.Combine(workFolder, "f" + staged.Count.ToString(CultureInfo.InvariantCulture));
                total = await InflateAsync(entry, zipStream, path, tempFile, total, buffer, settings, cancellationToken);
                staged.Add(new StagedFile(path, tempFile));
            }

            if (staged.Count == 0)
            {
                throw Rejected("it holds no files.");
            }

            foreach (var file in staged)
            {
                foreach (var ancestor in file.Path.Ancestors())
                {
                    if (filePaths.Contains(ancestor.Value))
                    {
                        throw Rejected($"'{ancestor.Value}' is both a file and a folder.");
                    }
                }

                if (folderPaths.Contains(file.Path.Value))
                {
                    throw Rejected($"'{file.Path.Value}' is both a file and a folder.");
                }
            }

            return staged;
        }
    }

    private static async Task<long> InflateAsync(
        ZipArchiveEntry entry, FileStream zipStream, ProjectPath path, string tempFile, long total, byte[] buffer, ProjectsOptions settings, CancellationToken cancellationToken)
    {
        try
        {
            var source = await entry.OpenAsync(cancellationToken);
            await using (source)
            {
                var dataStart = zipStream.Position;
                await using var target = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                long written = 0;
                var crc = new ZipCrc32();
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    total += read;
                    if (written > settings.MaxFileBytes)
                    {
                        throw Rejected(string.Create(CultureInfo.InvariantCulture, $"'{path.Value}' inflates beyond the per-file limit of {settings.MaxFileBytes} bytes."));
                    }

                    if (total > settings.MaxArchiveUncompressedBytes)
                    {
                        throw Rejected(string.Create(CultureInfo.InvariantCulture, $"its files inflate beyond the total limit of {settings.MaxArchiveUncompressedBytes} bytes."));
                    }

                    // Compressed bytes actually consumed so far (the header's compressed size only
                    // caps it), so a lying header cannot hide a bomb.
                    var consumed = Math.Max(1, Math.Min(entry.CompressedLength, zipStream.Position - dataStart));
                    if (written > settings.CompressionRatioGraceBytes && written > consumed * settings.MaxCompressionRatio)
                    {
                        throw Rejected(string.Create(CultureInfo.InvariantCulture,
                            $"'{path.Value}' has a compression ratio above {settings.MaxCompressionRatio} (a zip bomb?)."));
                    }

                    crc.Append(buffer.AsSpan(0, read));
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                if (crc.Value != entry.Crc32 || written != entry.Length)
                {
                    throw Rejected($"'{path.Value}' is corrupt: its content does not match the size and checksum its header records.");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw Rejected($"'{path.Value}' is corrupt or uses an unsupported compression method ({ex.Message})");
        }

        return total;
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
            && (incomingFolders.Contains(p) || AncestorsOf(p).Any(incomingFiles.Contains))).ToList();
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

    private static IEnumerable<string> AncestorsOf(string path)
    {
        for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            yield return path[..slash];
        }
    }

    private static ProblemException Rejected(string reason) =>
        new(StatusCodes.Status422UnprocessableEntity, RejectedCode, "The archive was not imported, and the project is unchanged: " + reason);

    private static string Printable(string name) =>
        new(name.Take(120).Select(c => char.IsControl(c) || char.IsSurrogate(c) ? '?' : c).ToArray());
}
