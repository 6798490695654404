using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PocketCode.Accounts.Users;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Notifications;

/// <summary>One registered app installation as stored in <c>users/{uid}/devices/{installationId}</c>.</summary>
internal sealed record Device(string InstallationId, string Token, string Platform, string AppVersion, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset DocumentUpdateTime);

/// <summary>
/// The caller's devices: the FCM registration token, platform and app version of each app
/// installation. Every method takes the caller's uid, so one user never reaches another's devices.
/// </summary>
internal sealed partial class DeviceService(IDocumentStore documents, IOptions<NotificationsOptions> options)
{
    public const string Collection = UserDocuments.DevicesCollection;
    public const string TokenField = "token";
    public const string PlatformField = "platform";
    public const string AppVersionField = "appVersion";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const int MaxTokenLength = 4096;
    public static readonly string[] Platforms = ["android", "ios"];

    public static string CollectionPath(string uid) => UserDocuments.DevicesPath(uid);

    public static string DocumentPath(string uid, string installationId) => UserDocuments.DevicePath(uid, installationId);

    public static bool IsValidInstallationId(string? id) => id is not null && InstallationIdPattern().IsMatch(id);

    /// <summary>Field errors of a registration (empty when valid).</summary>
    public static FieldErrors Validate(string installationId, string? token, string? platform, string? appVersion)
    {
        var errors = new FieldErrors();
        if (!IsValidInstallationId(installationId))
        {
            errors.Add("installationId", "The installation id is 1 to 128 letters, digits, '-' or '_'.");
        }

        if (string.IsNullOrWhiteSpace(token) || token.Length > MaxTokenLength || token.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            errors.Add("token", $"Send the FCM registration token: 1 to {MaxTokenLength} characters, no spaces.");
        }

        if (platform is null || !Platforms.Contains(platform, StringComparer.Ordinal))
        {
            errors.Add("platform", "platform is android or ios.");
        }

        if (appVersion is null || !AppVersionPattern().IsMatch(appVersion))
        {
            errors.Add("appVersion", "appVersion is 1 to 32 letters, digits, '.', '+', '-' or '_' (e.g. 1.4.0+27).");
        }

        return errors;
    }

    /// <summary>Stores (or refreshes) a registration; the first one keeps its <c>createdAt</c>.</summary>
    public async Task<(Device Device, bool Created)> RegisterAsync(string uid, string installationId, string token, string platform, string appVersion, CancellationToken cancellationToken)
    {
        var path = DocumentPath(uid, installationId);
        var limit = options.Value.MaxDevicesPerUser;
        var created = await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var existing = await tx.GetAsync(path, ct);
            var fields = new Dictionary<string, object?>
            {
                [TokenField] = token,
                [PlatformField] = platform,
                [AppVersionField] = appVersion,
                [UpdatedAt] = FieldValue.ServerTimestamp,
            };
            if (existing is not null)
            {
                tx.Update(path, fields);
                return false;
            }

            fields[CreatedAt] = FieldValue.ServerTimestamp;
            tx.Create(path, fields);
            return true;
        }, cancellationToken: cancellationToken);

        if (created)
        {
            // Bounded per user: a newly registered installation beyond the limit is taken back.
            var all = await ListAsync(uid, cancellationToken, limit + 1);
            if (all.Count > limit)
            {
                await documents.DeleteAsync(path, cancellationToken: cancellationToken);
                throw new ProblemException(409, ProblemCodes.Conflict,
                    $"You have {limit} registered devices; remove one (DELETE /v1/me/devices/{{installationId}}) before adding another.");
            }
        }

        var snapshot = await documents.GetAsync(path, cancellationToken) ?? throw ProblemException.NotFound("No such device.");
        return (FromSnapshot(snapshot), created);
    }

    public async Task<IReadOnlyList<Device>> ListAsync(string uid, CancellationToken cancellationToken, int? limit = null)
    {
        var result = await documents.QueryAsync(new DocumentQuery(CollectionPath(uid)).Take(limit ?? options.Value.MaxDevicesPerUser), cancellationToken);
        return result.Documents.Select(FromSnapshot).ToList();
    }

    /// <summary>Removes one of the caller's devices; false when there was none.</summary>
    public async Task<bool> RemoveAsync(string uid, string installationId, CancellationToken cancellationToken)
    {
        if (!IsValidInstallationId(installationId))
        {
            return false;
        }

        var path = DocumentPath(uid, installationId);
        if (await documents.GetAsync(path, cancellationToken) is null)
        {
            return false;
        }

        await documents.DeleteAsync(path, cancellationToken: cancellationToken);
        return true;
    }

    /// <summary>
    /// Removes a device FCM reported as unregistered, unless the app re-registered it since
    /// (then the stored token is another one, or the document changed after <paramref name="seen"/>).
    /// </summary>
    public async Task<bool> RemoveStaleAsync(string uid, Device seen, CancellationToken cancellationToken)
    {
        try
        {
            await documents.DeleteAsync(DocumentPath(uid, seen.InstallationId), Precondition.LastUpdatedAt(seen.DocumentUpdateTime), cancellationToken);
            return true;
        }
        catch (PreconditionFailedException)
        {
            return false;
        }
        catch (DocumentNotFoundException)
        {
            return false;
        }
    }

    private static Device FromSnapshot(DocumentSnapshot snapshot) => new(
        snapshot.Id,
        snapshot.GetString(TokenField) ?? string.Empty,
        snapshot.GetString(PlatformField) ?? "android",
        snapshot.GetString(AppVersionField) ?? string.Empty,
        snapshot.GetTimestamp(CreatedAt) ?? snapshot.CreateTime,
        snapshot.GetTimestamp(UpdatedAt) ?? snapshot.UpdateTime,
        snapshot.UpdateTime);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,128}$")]
    private static partial Regex InstallationIdPattern();

    [GeneratedRegex("^[0-9A-Za-z.+_-]{1,32}$")]
    private static partial Regex AppVersionPattern();
}
