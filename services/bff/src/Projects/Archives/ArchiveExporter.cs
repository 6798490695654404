using System.IO.Compression;
using PocketCode.Bff.Projects;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.Projects.Archives;

/// <summary>
/// Streams a project as a zip straight into the response body, through
/// <see cref="AsyncWriteBuffer"/> (a non-seekable wrapper; no temporary file). On a non-seekable
/// stream <see cref="ZipArchive"/> in <see cref="ZipArchiveMode.Create"/> writes data descriptors
/// (sizes and CRC after each entry's data) instead of seeking back, so neither the zip nor any
/// file is held in memory or on disk: each blob is copied from the store into its entry in chunks,
/// one entry at a time, and the buffer is flushed after each.
/// </summary>
internal sealed class ArchiveExporter(IBlobStore blobs)
{
    /// <summary>Unix mode of exported files (regular file, rw-r--r--), stored in the high word of the external attributes.</summary>
    private const int RegularFileMode = 0x8000 | 0x1A4;

    private const int ListPageSize = 200;

    public async Task WriteZipAsync(Project project, Stream output, CancellationToken cancellationToken)
    {
        var prefix = project.BlobPrefix;
        await using var buffer = new AsyncWriteBuffer(output);
        var zip = await ZipArchive.CreateAsync(buffer, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        await using (zip)
        {
            string? token = null;
            do
            {
                var page = await blobs.ListAsync(BucketNames.ProjectSourceFiles, prefix, ListPageSize, token, cancellationToken);
                foreach (var blob in page.Items)
                {
                    var reader = await blobs.OpenReadAsync(BucketNames.ProjectSourceFiles, blob.Name, cancellationToken);
                    if (reader is null)
                    {
                        continue; // Deleted since the listing; the zip shows the project as it is now.
                    }

                    await using (reader)
                    {
                        var entry = zip.CreateEntry(blob.Name[prefix.Length..], CompressionLevel.Optimal);
                        entry.LastWriteTime = reader.Info.Updated;
                        entry.ExternalAttributes = RegularFileMode << 16;
                        var target = await entry.OpenAsync(cancellationToken);
                        await using (target)
                        {
                            await reader.Content.CopyToAsync(target, cancellationToken);
                        }
                    }

                    await buffer.FlushAsync(cancellationToken);
                }

                token = page.NextPageToken;
            }
            while (token is not null);
        }

        // The central directory, written when the archive is disposed.
        await buffer.FlushAsync(cancellationToken);
    }

    /// <summary>A download name made of the project name's harmless characters.</summary>
    public static string FileName(Project project)
    {
        var safe = new string(project.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-').ToArray()).Trim('-', '.');
        return (safe.Length == 0 ? project.Id : safe) + ".zip";
    }
}
