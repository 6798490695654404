using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Projects;

/// <summary>The project a create produced, and whether it was produced by an earlier request with the same key.</summary>
internal sealed record CreateOutcome(Project Project, bool Replayed);

/// <summary>
/// Makes <c>POST /v1/projects</c> with an <c>Idempotency-Key</c> safe to retry. The key is
/// remembered in <c>idempotency_keys/{uid}_{sha256(key)}</c> with the project id chosen for it,
/// a hash of the request and an expiry. Creating that record is the lock: of concurrent requests
/// with one key exactly one creates it and builds the project; the others wait for it and answer
/// with the same project. A record whose creator crashed is taken over after its lease, reusing
/// the same project id so at most one project can come of a key.
/// </summary>
internal sealed partial class ProjectIdempotency(
    IDocumentStore documents,
    ProjectService projects,
    IOptions<ProjectsOptions> options,
    TimeProvider clock,
    ILogger<ProjectIdempotency> logger)
{
    public const string HeaderName = "Idempotency-Key";
    public const string Collection = "idempotency_keys";
    public const int MaxKeyLength = 255;

    private const string StatePending = "pending";
    private const string StateCompleted = "completed";

    /// <summary>Null when the key is acceptable, otherwise a message for the caller.</summary>
    public static string? ValidateKey(string key) =>
        key.Length is 0 or > MaxKeyLength || key.Any(c => c is < ' ' or > '~')
            ? $"{HeaderName} must be 1-{MaxKeyLength} printable ASCII characters (a UUID is a good choice)."
            : null;

    public async Task<CreateOutcome> CreateAsync(string uid, NewProject request, string key, CancellationToken cancellationToken)
    {
        ProjectOwners.EnsureUsable(uid);
        var settings = options.Value;
        var recordPath = Collection + "/" + uid + "_" + Sha256Hex(key);
        var requestHash = Sha256Hex(string.Join('\n', "projects.create.v1", request.Name, request.ApplicationId, request.Template));
        var waitUntil = clock.GetUtcNow() + settings.IdempotencyWait;

        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            var projectId = ProjectStorage.NewId();
            var resuming = false;
            try
            {
                await documents.CreateAsync(recordPath, new Dictionary<string, object?>
                {
                    ["ownerUid"] = uid,
                    ["requestHash"] = requestHash,
                    ["projectId"] = projectId,
                    ["state"] = StatePending,
                    ["leaseUntil"] = now + settings.IdempotencyLease,
                    // A Firestore TTL policy on expiresAt removes old records; until then reads treat them as absent.
                    ["expiresAt"] = now + settings.IdempotencyKeyLifetime,
                    ["createdAt"] = FieldValue.ServerTimestamp,
                }, cancellationToken);
            }
            catch (DocumentAlreadyExistsException)
            {
                var existing = await documents.GetAsync(recordPath, cancellationToken);
                if (existing is null)
                {
                    continue; // Removed by a failed attempt just now: try to claim it.
                }

                if (existing.GetTimestamp("expiresAt") is { } expires && expires <= now)
                {
                    await DeleteQuietlyAsync(recordPath, Precondition.LastUpdatedAt(existing.UpdateTime));
                    continue;
                }

                if (existing.GetString("requestHash") != requestHash)
                {
                    throw ProblemException.Conflict($"This {HeaderName} was already used with a different request; use a new key for a new project.");
                }

                var earlierId = existing.GetString("projectId") ?? throw new InvalidOperationException($"Record {recordPath} has no project id.");
                if (existing.GetString("state") == StateCompleted)
                {
                    return new CreateOutcome(await ProjectOfKeyAsync(uid, earlierId, cancellationToken), Replayed: true);
                }

                if (existing.GetTimestamp("leaseUntil") is { } lease && lease > now)
                {
                    if (now >= waitUntil)
                    {
                        throw ProblemException.Conflict($"A request with this {HeaderName} is still being processed; retry in a moment.");
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(25 * (attempt + 1), 250)), clock, cancellationToken);
                    continue;
                }

                // The creator's lease ran out (it crashed or hung): take over with the same project id.
                try
                {
                    await documents.UpdateAsync(recordPath, new Dictionary<string, object?>
                    {
                        ["leaseUntil"] = now + settings.IdempotencyLease,
                    }, Precondition.LastUpdatedAt(existing.UpdateTime), cancellationToken);
                }
                catch (Exception ex) when (ex is PreconditionFailedException or DocumentNotFoundException)
                {
                    continue; // Someone else took over or finished first.
                }

                LogTakeOver(logger, earlierId);
                projectId = earlierId;
                resuming = true;
            }

            Project project;
            try
            {
                project = await projects.CreateWithIdAsync(uid, request, projectId, resuming, cancellationToken);
            }
            catch
            {
                // Free the key so a retry can create the project afresh.
                await DeleteQuietlyAsync(recordPath, precondition: null);
                throw;
            }

            try
            {
                await documents.UpdateAsync(recordPath, new Dictionary<string, object?>
                {
                    ["state"] = StateCompleted,
                    ["completedAt"] = FieldValue.ServerTimestamp,
                }, Precondition.MustExist, CancellationToken.None);
            }
            catch (Exception ex) when (ex is DocumentStoreException)
            {
                // The project exists; a retry after the lease takes over, finds it and completes the record.
                LogCompleteFailed(logger, ex, project.Id);
            }

            return new CreateOutcome(project, Replayed: false);
        }
    }

    private async Task<Project> ProjectOfKeyAsync(string uid, string projectId, CancellationToken cancellationToken)
    {
        try
        {
            return await projects.GetOwnedAsync(uid, projectId, cancellationToken);
        }
        catch (ProblemException ex) when (ex.Status == 404)
        {
            throw ProblemException.Conflict($"The project created with this {HeaderName} has since been deleted; use a new key to create another.");
        }
    }

    private async Task DeleteQuietlyAsync(string recordPath, Precondition? precondition)
    {
        try
        {
            await documents.DeleteAsync(recordPath, precondition, CancellationToken.None);
        }
        catch (Exception ex) when (ex is DocumentStoreException)
        {
            LogReleaseFailed(logger, ex, recordPath);
        }
    }

    private static string Sha256Hex(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Taking over the stalled idempotent create of project {ProjectId}")]
    private static partial void LogTakeOver(ILogger logger, string projectId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Project {ProjectId} was created but its idempotency record could not be completed")]
    private static partial void LogCompleteFailed(ILogger logger, Exception exception, string projectId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release idempotency record {RecordPath}")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string recordPath);
}
