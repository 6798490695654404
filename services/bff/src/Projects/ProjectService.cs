using PocketCode.Accounts.Users;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects.Files;
using PocketCode.Bff.Projects.Templates;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Projects;

/// <summary>What a create asks for, after validation and normalisation.</summary>
internal sealed record NewProject(string Name, string ApplicationId, string Template);

internal sealed record ProjectPage(IReadOnlyList<Project> Items, string? NextPageToken);

/// <summary>
/// Projects: the <c>projects/{id}</c> document plus the source folder <c>{uid}/{id}/</c> in
/// <c>project-source-files</c>. The two stores cannot share a transaction, so every operation
/// orders its writes to keep them consistent when it stops half-way:
/// create writes blobs first and the document last (no document, no project; leftovers are
/// removed), delete hides the document first and removes it last (a retry finishes the job).
/// </summary>
internal sealed partial class ProjectService(
    IDocumentStore documents,
    IBlobStore blobs,
    StarterTemplates templates,
    IOptions<ProjectsOptions> options,
    ILogger<ProjectService> logger)
{
    private const string Bucket = BucketNames.ProjectSourceFiles;
    private const int DeletePageSize = 500;
    private const int UploadParallelism = 4;

    /// <summary>Creates a project seeded from its starter template under a fresh id.</summary>
    public Task<Project> CreateAsync(string uid, NewProject request, CancellationToken cancellationToken) =>
        CreateWithIdAsync(uid, request, ProjectStorage.NewId(), resuming: false, cancellationToken);

    /// <summary>
    /// Writes the template's files, then the document. When anything fails, whatever was written
    /// under the project's prefix is deleted before the error propagates, so no half project
    /// remains. <paramref name="resuming"/>: a retry of an earlier attempt with the same id (an
    /// idempotent create taking over), which may find the earlier attempt's document.
    /// </summary>
    public async Task<Project> CreateWithIdAsync(string uid, NewProject request, string projectId, bool resuming, CancellationToken cancellationToken)
    {
        ProjectOwners.EnsureUsable(uid);
        var path = ProjectStorage.DocumentPath(projectId);
        var prefix = ProjectStorage.Prefix(uid, projectId);
        if (resuming && await documents.GetAsync(path, cancellationToken) is { } earlier)
        {
            return OwnedOrThrow(earlier, uid);
        }

        var files = templates.Render(request.Template, request.Name, request.ApplicationId);
        var documentWritten = false;
        try
        {
            // A few uploads at a time: on Cloud Storage each is a round trip of its own.
            await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = UploadParallelism, CancellationToken = cancellationToken }, async (file, ct) =>
            {
                using var content = new MemoryStream(file.Content, writable: false);
                await blobs.PutAsync(Bucket, prefix + file.Path, content, new BlobWriteOptions { ContentType = ContentTypes.For(file.Path) }, ct);
            });

            documentWritten = true;
            await documents.CreateAsync(path, ProjectDocuments.NewProject(uid, request.Name, request.ApplicationId, request.Template), cancellationToken);
        }
        catch (DocumentAlreadyExistsException) when (resuming)
        {
            // The earlier attempt created it after all (it raced this one); that project is the answer.
            return OwnedOrThrow(await documents.GetAsync(path, CancellationToken.None) ?? throw new InvalidOperationException($"Project {projectId} vanished."), uid);
        }
        catch (Exception ex)
        {
            if (documentWritten && await OwnDocumentExistsQuietlyAsync(path, uid))
            {
                // The create's outcome was unknown (a timeout after the commit): it happened, and
                // deleting the files now would leave an empty project.
                LogCreateAmbiguous(logger, ex, projectId);
            }
            else
            {
                LogCreateFailed(logger, ex, projectId);
                // Not cancellable: a client that hung up must not leave files behind.
                await DeleteAllBlobsQuietlyAsync(prefix);
                throw;
            }
        }

        var created = await documents.GetAsync(path, cancellationToken)
            ?? throw new InvalidOperationException($"Project {projectId} was created but cannot be read back.");
        return ProjectDocuments.FromSnapshot(created);
    }

    /// <summary>The caller's active project, or a 404 problem (also for other users' projects: never 403).</summary>
    public async Task<Project> GetOwnedAsync(string uid, string projectId, CancellationToken cancellationToken)
    {
        var project = await FindAsync(uid, projectId, cancellationToken);
        return project is { State: ProjectStates.Active } ? project : throw NotFound();
    }

    public async Task<ProjectPage> ListAsync(string uid, int? pageSize, string? pageToken, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var size = PageSizes.Resolve(pageSize, settings.DefaultPageSize, settings.MaxPageSize);

        var query = new DocumentQuery(ProjectStorage.Collection)
            .Where(ProjectDocuments.OwnerUid, FilterOperator.Equal, uid)
            .Where(ProjectDocuments.State, FilterOperator.Equal, ProjectStates.Active)
            .OrderBy(ProjectDocuments.LastActivityAt, SortDirection.Descending)
            .Take(size)
            .ContinueAfter(pageToken);

        var result = await documents.QueryAsync(query, cancellationToken);
        return new ProjectPage(result.Documents.Select(ProjectDocuments.FromSnapshot).ToList(), result.NextCursor?.ToToken());
    }

    /// <summary>Renames a project; <paramref name="ifMatch"/> (the project's ETag) makes it conditional.</summary>
    public async Task<Project> RenameAsync(string uid, string projectId, string name, EntityTags.Condition ifMatch, CancellationToken cancellationToken)
    {
        var project = await GetOwnedAsync(uid, projectId, cancellationToken);
        var precondition = DocumentPrecondition(project, ifMatch);
        var fields = new Dictionary<string, object?>
        {
            [ProjectDocuments.Name] = name,
            [ProjectDocuments.UpdatedAt] = FieldValue.ServerTimestamp,
        };
        try
        {
            await documents.UpdateAsync(ProjectStorage.DocumentPath(projectId), fields, precondition, cancellationToken);
        }
        catch (PreconditionFailedException)
        {
            throw ProblemException.PreconditionFailed("The project changed since you read it; read it again and retry with its new ETag.");
        }
        catch (DocumentNotFoundException)
        {
            throw NotFound();
        }

        return await GetOwnedAsync(uid, projectId, cancellationToken);
    }

    /// <summary>
    /// Deletes the project and every file. Marks the document <c>deleting</c> first (hidden from
    /// every route), removes the blobs page by page, then the document; a delete that stops
    /// half-way is finished by the next one.
    /// </summary>
    public async Task DeleteAsync(string uid, string projectId, EntityTags.Condition ifMatch, CancellationToken cancellationToken)
    {
        var project = await FindAsync(uid, projectId, cancellationToken) ?? throw NotFound();
        var path = ProjectStorage.DocumentPath(projectId);
        if (project.State != ProjectStates.Deleting)
        {
            var precondition = DocumentPrecondition(project, ifMatch);
            try
            {
                await documents.UpdateAsync(path, new Dictionary<string, object?>
                {
                    [ProjectDocuments.State] = ProjectStates.Deleting,
                    [ProjectDocuments.DeleteRequestedAt] = FieldValue.ServerTimestamp,
                }, precondition, cancellationToken);
            }
            catch (PreconditionFailedException)
            {
                throw ProblemException.PreconditionFailed("The project changed since you read it; read it again and retry with its new ETag.");
            }
            catch (DocumentNotFoundException)
            {
                throw NotFound();
            }
        }
        else if (ifMatch.Present)
        {
            // The earlier delete already passed its precondition; finishing it is what the caller wants.
            LogResumingDelete(logger, projectId);
        }

        await DeleteAllBlobsAsync(project.BlobPrefix, cancellationToken);
        await documents.DeleteAsync(path, cancellationToken: cancellationToken);
    }

    /// <summary>
    /// Records a content change (lastActivityAt/updatedAt) after a file write, and tells whether
    /// the project is still active. Reading the state after the update closes the race with a
    /// delete: a write whose read still sees the project active landed before the delete hid it,
    /// so the delete's later listing removes it; otherwise the caller undoes its own write.
    /// (Two round trips and no transaction, so parallel saves do not contend for a lock.)
    /// </summary>
    public async Task<bool> TryTouchAsync(Project project, CancellationToken cancellationToken)
    {
        var path = ProjectStorage.DocumentPath(project.Id);
        try
        {
            await documents.UpdateAsync(path, ProjectDocuments.Touch(), Precondition.MustExist, cancellationToken);
        }
        catch (DocumentNotFoundException)
        {
            return false;
        }

        var current = await documents.GetAsync(path, cancellationToken);
        return current is not null
            && current.GetString(ProjectDocuments.State) == ProjectStates.Active
            && current.GetString(ProjectDocuments.OwnerUid) == project.OwnerUid;
    }

    public static ProblemException NotFound() => ProblemException.NotFound("No such project.");

    private async Task<Project?> FindAsync(string uid, string projectId, CancellationToken cancellationToken)
    {
        if (!ProjectStorage.IsValidId(projectId))
        {
            return null;
        }

        var snapshot = await documents.GetAsync(ProjectStorage.DocumentPath(projectId), cancellationToken);
        if (snapshot is null || snapshot.GetString(ProjectDocuments.OwnerUid) != uid)
        {
            return null;
        }

        return ProjectDocuments.FromSnapshot(snapshot);
    }

    private static Project OwnedOrThrow(DocumentSnapshot snapshot, string uid) =>
        snapshot.GetString(ProjectDocuments.OwnerUid) == uid
            ? ProjectDocuments.FromSnapshot(snapshot)
            : throw new InvalidOperationException($"Project {snapshot.Id} belongs to someone else.");

    private static Precondition DocumentPrecondition(Project project, EntityTags.Condition ifMatch)
    {
        if (!ifMatch.Present)
        {
            return Precondition.MustExist;
        }

        if (ifMatch.Malformed || !ifMatch.MatchesForIfMatch(project.Version))
        {
            throw ProblemException.PreconditionFailed("The project changed since you read it (If-Match does not match its ETag); read it again and retry.");
        }

        // Checked above against what was read; the store re-checks at write time.
        return Precondition.LastUpdatedAt(project.DocumentUpdateTime);
    }

    private async Task DeleteAllBlobsAsync(string prefix, CancellationToken cancellationToken)
    {
        // Always list from the start: deleting what a page named shifts any later page token.
        while (true)
        {
            var page = await blobs.ListAsync(Bucket, prefix, DeletePageSize, cancellationToken: cancellationToken);
            if (page.Items.Count == 0)
            {
                return;
            }

            foreach (var blob in page.Items)
            {
                await blobs.DeleteAsync(Bucket, blob.Name, cancellationToken: cancellationToken);
            }
        }
    }

    private async Task<bool> OwnDocumentExistsQuietlyAsync(string path, string uid)
    {
        try
        {
            return (await documents.GetAsync(path, CancellationToken.None))?.GetString(ProjectDocuments.OwnerUid) == uid;
        }
        catch (DocumentStoreException)
        {
            return false;
        }
    }

    private async Task DeleteAllBlobsQuietlyAsync(string prefix)
    {
        try
        {
            await DeleteAllBlobsAsync(prefix, CancellationToken.None);
        }
        catch (Exception ex)
        {
            // The original failure is what the caller needs to see; this one is logged so the
            // orphaned prefix (no document points at it) can be found.
            LogCleanupFailed(logger, ex, prefix);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating project {ProjectId} failed; removing its files")]
    private static partial void LogCreateFailed(ILogger logger, Exception exception, string projectId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Creating the document of project {ProjectId} reported an error, yet the document exists; keeping it")]
    private static partial void LogCreateAmbiguous(ILogger logger, Exception exception, string projectId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not remove the files under {Prefix} after a failed create")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string prefix);

    [LoggerMessage(Level = LogLevel.Information, Message = "Finishing the interrupted delete of project {ProjectId}")]
    private static partial void LogResumingDelete(ILogger logger, string projectId);
}

/// <summary>Checks on the caller's uid before it becomes part of a blob name or document id.</summary>
internal static class ProjectOwners
{
    /// <summary>A uid that would change the meaning of <c>{uid}/{projectId}/</c> is refused outright.</summary>
    public static void EnsureUsable(string uid)
    {
        if (!UserDocuments.IsUsableUid(uid))
        {
            throw ProblemException.Forbidden("This account's id cannot own projects; contact support.");
        }
    }
}
