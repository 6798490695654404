using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.Projects.Files;

/// <summary>One source file as the API shows it. <see cref="ETag"/> is quoted, ready for a header.</summary>
internal sealed record FileEntry(string Path, long Size, [property: JsonPropertyName("etag")] string ETag, DateTimeOffset Updated, string ContentType)
{
    public static FileEntry From(BlobInfo blob, string prefix) =>
        new(blob.Name[prefix.Length..], blob.Size, EntityTags.Quote(blob.Generation), blob.Updated, blob.ContentType);
}

/// <summary>Every file of a project, in path order, with an ETag that changes whenever any file does.</summary>
internal sealed record ProjectTree(IReadOnlyList<FileEntry> Files, [property: JsonPropertyName("etag")] string ETag)
{
    public static ProjectTree From(IReadOnlyList<BlobInfo> blobs, string prefix)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var files = new List<FileEntry>(blobs.Count);
        foreach (var blob in blobs)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(blob.Name[prefix.Length..] + "\0" + blob.Generation.ToString(CultureInfo.InvariantCulture) + "\n"));
            files.Add(FileEntry.From(blob, prefix));
        }

        return new ProjectTree(files, EntityTags.Quote(Convert.ToHexStringLower(hash.GetHashAndReset())[..32]));
    }
}

internal sealed record FileWrite(FileEntry File, bool Created);

/// <summary>
/// Source files of a project: blobs named <c>{uid}/{projectId}/{path}</c> in
/// <c>project-source-files</c>. Optimistic concurrency uses the blob generation as the ETag and
/// hands it to the store as <see cref="BlobWriteOptions.IfGenerationMatch"/>, so the check and
/// the write are one atomic step in the store: of two writes with the same If-Match exactly one
/// wins. Every change bumps the project's activity time.
/// </summary>
internal sealed class ProjectFileService(IBlobStore blobs, ProjectService projects, IOptions<ProjectsOptions> options)
{
    private const string Bucket = BucketNames.ProjectSourceFiles;

    public long MaxFileBytes => options.Value.MaxFileBytes;

    public async Task<IReadOnlyList<BlobInfo>> ListAllAsync(Project project, CancellationToken cancellationToken)
    {
        var all = new List<BlobInfo>();
        string? token = null;
        do
        {
            var page = await blobs.ListAsync(Bucket, project.BlobPrefix, 1000, token, cancellationToken);
            all.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);

        return all;
    }

    public async Task<ProjectTree> GetTreeAsync(Project project, CancellationToken cancellationToken) =>
        ProjectTree.From(await ListAllAsync(project, cancellationToken), project.BlobPrefix);

    /// <summary>Opens a file for streaming; <c>null</c> when there is none. The caller disposes the reader.</summary>
    public Task<BlobReader?> OpenAsync(Project project, ProjectPath path, CancellationToken cancellationToken) =>
        blobs.OpenReadAsync(Bucket, project.BlobPrefix + path.Value, cancellationToken);

    /// <summary>
    /// Streams <paramref name="body"/> into the file. <paramref name="ifMatch"/> = the file's
    /// current ETag (or <c>*</c>: it must exist); <paramref name="ifNoneMatch"/> = <c>*</c>: it
    /// must not exist. A failed condition is a 412 and changes nothing.
    /// </summary>
    public async Task<FileWrite> WriteAsync(
        Project project,
        ProjectPath path,
        Stream body,
        long? declaredLength,
        EntityTags.Condition ifMatch,
        EntityTags.Condition ifNoneMatch,
        CancellationToken cancellationToken)
    {
        var max = MaxFileBytes;
        if (declaredLength > max)
        {
            throw LengthLimitedStream.TooLarge(max, "file");
        }

        var name = project.BlobPrefix + path.Value;
        // Independent look-ups, run together to pay one round trip rather than several.
        var layout = EnsureFitsLayoutAsync(project, path, cancellationToken);
        var resolve = ResolveWriteGenerationAsync(name, ifMatch, ifNoneMatch, cancellationToken);
        await Task.WhenAll(layout, resolve);
        var (generation, existed) = await resolve;

        var limited = LengthLimitedStream.Refusing(body, max, "file");
        BlobInfo written;
        try
        {
            written = await blobs.PutAsync(Bucket, name, limited, new BlobWriteOptions
            {
                ContentType = ContentTypes.For(path.Value),
                IfGenerationMatch = generation,
            }, cancellationToken);
        }
        catch (BlobPreconditionFailedException)
        {
            throw FileChanged();
        }
        catch (Exception ex) when (limited.Exceeded && ex is not ProblemException)
        {
            throw LengthLimitedStream.TooLarge(max, "file");
        }

        await TouchOrUndoAsync(project, written, cancellationToken);
        return new FileWrite(FileEntry.From(written, project.BlobPrefix), Created: !existed);
    }

    public async Task DeleteAsync(Project project, ProjectPath path, EntityTags.Condition ifMatch, CancellationToken cancellationToken)
    {
        var name = project.BlobPrefix + path.Value;
        long? generation = null;
        if (ifMatch.Present)
        {
            var info = await blobs.GetInfoAsync(Bucket, name, cancellationToken) ?? throw NoSuchFile();
            if (ifMatch.Malformed || !ifMatch.MatchesForIfMatch(info.Generation.ToString(CultureInfo.InvariantCulture)))
            {
                throw FileChanged();
            }

            generation = info.Generation;
        }

        bool deleted;
        try
        {
            deleted = await blobs.DeleteAsync(Bucket, name, generation, cancellationToken);
        }
        catch (BlobPreconditionFailedException)
        {
            throw FileChanged();
        }

        if (!deleted)
        {
            throw NoSuchFile();
        }

        await projects.TryTouchAsync(project, cancellationToken);
    }

    /// <summary>
    /// Renames a file: copy, then delete the source only if it is still the version copied (If-Match
    /// applies to the source). The target must not exist unless <paramref name="overwrite"/>.
    /// </summary>
    public async Task<FileEntry> MoveAsync(Project project, ProjectPath from, ProjectPath to, EntityTags.Condition ifMatch, bool overwrite, CancellationToken cancellationToken)
    {
        if (from.Equals(to))
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "'from' and 'to' are the same path.");
        }

        var source = project.BlobPrefix + from.Value;
        var target = project.BlobPrefix + to.Value;
        var info = await blobs.GetInfoAsync(Bucket, source, cancellationToken) ?? throw NoSuchFile();
        if (ifMatch.Present && (ifMatch.Malformed || !ifMatch.MatchesForIfMatch(info.Generation.ToString(CultureInfo.InvariantCulture))))
        {
            throw FileChanged();
        }

        await EnsureFitsLayoutAsync(project, to, cancellationToken, ignoring: from);

        BlobInfo copied;
        try
        {
            copied = await blobs.CopyAsync(Bucket, source, Bucket, target, new BlobWriteOptions
            {
                ContentType = ContentTypes.For(to.Value),
                IfGenerationMatch = overwrite ? null : 0,
            }, cancellationToken);
        }
        catch (BlobPreconditionFailedException)
        {
            throw ProblemException.Conflict($"A file already exists at '{to.Value}'; delete it first or move with \"overwrite\": true.");
        }
        catch (BlobNotFoundException)
        {
            throw NoSuchFile();
        }

        bool sourceDeleted;
        try
        {
            sourceDeleted = await blobs.DeleteAsync(Bucket, source, info.Generation, CancellationToken.None);
        }
        catch (BlobPreconditionFailedException)
        {
            sourceDeleted = false;
        }

        if (!sourceDeleted)
        {
            // The source changed or vanished while it was copied: the copy may hold an older
            // version, so undo it rather than leave two diverging files.
            await DeleteQuietlyAsync(target, copied.Generation);
            throw FileChanged();
        }

        await projects.TryTouchAsync(project, cancellationToken);
        return FileEntry.From(copied, project.BlobPrefix);
    }

    /// <summary>Writes one file unconditionally (archive import), after the caller validated everything.</summary>
    public async Task<BlobInfo> PutTrustedAsync(Project project, ProjectPath path, Stream content, CancellationToken cancellationToken) =>
        await blobs.PutAsync(Bucket, project.BlobPrefix + path.Value, content, new BlobWriteOptions { ContentType = ContentTypes.For(path.Value) }, cancellationToken);

    public Task<bool> DeleteTrustedAsync(Project project, string path, CancellationToken cancellationToken) =>
        blobs.DeleteAsync(Bucket, project.BlobPrefix + path, cancellationToken: cancellationToken);

    /// <summary>
    /// A path cannot be both a file and a folder: Cloud Storage would allow it, but the project
    /// could not be checked out, zipped or built. 409 when <paramref name="path"/> lies under an
    /// existing file or is an existing folder.
    /// </summary>
    public async Task EnsureFitsLayoutAsync(Project project, ProjectPath path, CancellationToken cancellationToken, ProjectPath? ignoring = null)
    {
        var ancestors = path.Ancestors().Where(a => !a.Equals(ignoring)).ToList();
        var files = ancestors.Select(a => blobs.GetInfoAsync(Bucket, project.BlobPrefix + a.Value, cancellationToken)).ToList();
        var below = blobs.ListAsync(Bucket, project.BlobPrefix + path.Value + "/", 1, cancellationToken: cancellationToken);
        await Task.WhenAll(files.Cast<Task>().Append(below));

        for (var i = 0; i < ancestors.Count; i++)
        {
            if (await files[i] is not null)
            {
                throw ProblemException.Conflict($"'{ancestors[i].Value}' is a file, so '{path.Value}' cannot be created under it.");
            }
        }

        if ((await below).Items.Count > 0)
        {
            throw ProblemException.Conflict($"'{path.Value}' is a folder; a file cannot replace it.");
        }
    }

    private async Task<(long? Generation, bool Existed)> ResolveWriteGenerationAsync(
        string name, EntityTags.Condition ifMatch, EntityTags.Condition ifNoneMatch, CancellationToken cancellationToken)
    {
        if (ifMatch.Malformed || ifNoneMatch.Malformed)
        {
            throw FileChanged();
        }

        // The common cases map straight onto the store's atomic precondition.
        if (!ifMatch.Present && ifNoneMatch is { Present: true, Any: true })
        {
            return (0, false);
        }

        if (!ifNoneMatch.Present && ifMatch.SingleStrongTag is { } tag)
        {
            return long.TryParse(tag, NumberStyles.None, CultureInfo.InvariantCulture, out var generation) && generation > 0
                ? (generation, true)
                : throw FileChanged();
        }

        // Anything else is evaluated against the current version, which is then pinned so the
        // write still fails if the file changes in between.
        var info = await blobs.GetInfoAsync(Bucket, name, cancellationToken);
        var current = info?.Generation.ToString(CultureInfo.InvariantCulture);
        if (ifMatch.Present && !ifMatch.MatchesForIfMatch(current))
        {
            throw FileChanged();
        }

        if (ifNoneMatch.Present && ifNoneMatch.HitForIfNoneMatch(current))
        {
            throw FileChanged();
        }

        return ifMatch.Present || ifNoneMatch.Present ? (info?.Generation ?? 0, info is not null) : (null, info is not null);
    }

    private async Task TouchOrUndoAsync(Project project, BlobInfo written, CancellationToken cancellationToken)
    {
        if (!await projects.TryTouchAsync(project, cancellationToken))
        {
            // The project was deleted while this write streamed in; its delete may already have
            // listed the folder, so this write removes itself.
            await DeleteQuietlyAsync(written.Name, written.Generation);
            throw ProjectService.NotFound();
        }
    }

    private async Task DeleteQuietlyAsync(string name, long generation)
    {
        try
        {
            await blobs.DeleteAsync(Bucket, name, generation, CancellationToken.None);
        }
        catch (BlobPreconditionFailedException)
        {
            // Someone wrote it since; theirs stays.
        }
    }

    private static ProblemException FileChanged() =>
        ProblemException.PreconditionFailed("The file is not in the state your request expected (If-Match / If-None-Match); read it again and retry with its current ETag.");

    private static ProblemException NoSuchFile() => ProblemException.NotFound("No such file in this project.");
}
