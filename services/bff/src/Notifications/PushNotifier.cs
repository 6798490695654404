using PocketCode.Accounts.Users;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Users;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Notifications;

/// <summary>The user setting (<c>settings.notifications.*</c>) that governs a notification.</summary>
internal static class NotificationKinds
{
    /// <summary>A succeeded build whose release reached users: production or testers (<see cref="OutcomeLink.Published"/>).</summary>
    public const string Publish = UserDocuments.Publish;

    /// <summary>A succeeded build that published nothing (a draft release).</summary>
    public const string BuildSucceeded = UserDocuments.BuildSucceeded;

    /// <summary>Failed and cancelled builds.</summary>
    public const string BuildFailed = UserDocuments.BuildFailed;

    public static string Of(Build build) => build.State switch
    {
        BuildStates.Succeeded when BuildOutcomes.Of(build) is { Published: true } => Publish,
        BuildStates.Succeeded => BuildSucceeded,
        _ => BuildFailed,
    };
}

internal enum NotifyOutcome
{
    /// <summary>The build is not in a terminal state.</summary>
    NotTerminal,

    /// <summary>The user turned this kind of notification off.</summary>
    TurnedOff,

    /// <summary>Another call (a duplicate report, another instance) already sent this build's state.</summary>
    AlreadySent,

    /// <summary>Sent (or tried) to each of the owner's devices.</summary>
    Sent,
}

internal sealed record NotifyResult(NotifyOutcome Outcome, int Delivered = 0, int Removed = 0, int Failed = 0);

/// <summary>
/// Sends the notification of a finished build to each of its owner's devices, once per build and
/// state: the <c>notifications/{buildId}_{state}</c> record is created (fails if present) before
/// anything is sent, so duplicate reports and several instances send nothing more. (At most once: a
/// crash between the record and the send loses that notification rather than repeating it.)
/// </summary>
internal sealed partial class PushNotifier(
    IDocumentStore documents, UserProfiles profiles, DeviceService devices, FcmClient fcm, IOptions<NotificationsOptions> options, ILogger<PushNotifier> logger)
{
    public const string Collection = "notifications";
    public const string ExpiresAt = "expiresAt";

    public static string RecordPath(string buildId, string state) => $"{Collection}/{buildId}_{state}";

    public async Task<NotifyResult> NotifyAsync(Build build, CancellationToken cancellationToken)
    {
        if (!BuildStates.IsTerminal(build.State))
        {
            return new NotifyResult(NotifyOutcome.NotTerminal);
        }

        var kind = NotificationKinds.Of(build);
        if (!await profiles.WantsNotificationAsync(build.OwnerUid, kind, cancellationToken))
        {
            return new NotifyResult(NotifyOutcome.TurnedOff);
        }

        try
        {
            await documents.CreateAsync(RecordPath(build.Id, build.State), new Dictionary<string, object?>
            {
                ["buildId"] = build.Id,
                ["state"] = build.State,
                ["uid"] = build.OwnerUid,
                ["kind"] = kind,
                ["createdAt"] = FieldValue.ServerTimestamp,
                [ExpiresAt] = DateTimeOffset.UtcNow + options.Value.SentRecordLifetime,
            }, cancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            return new NotifyResult(NotifyOutcome.AlreadySent);
        }

        var message = await ComposeAsync(build, kind, cancellationToken);
        var targets = await devices.ListAsync(build.OwnerUid, cancellationToken);
        var results = await Task.WhenAll(targets.Select(async device => (device, outcome: await fcm.SendAsync(device.Token, message, cancellationToken))));
        var removed = 0;
        foreach (var (device, outcome) in results.Where(r => r.outcome == FcmOutcome.TokenGone))
        {
            if (await devices.RemoveStaleAsync(build.OwnerUid, device, cancellationToken))
            {
                removed++;
                LogRemoved(logger, device.InstallationId);
            }
        }

        var result = new NotifyResult(NotifyOutcome.Sent, results.Count(r => r.outcome == FcmOutcome.Sent), removed, results.Count(r => r.outcome == FcmOutcome.Failed));
        LogSent(logger, build.Id, build.State, result.Delivered, targets.Count, result.Removed);
        return result;
    }

    private async Task<PushMessage> ComposeAsync(Build build, string kind, CancellationToken cancellationToken)
    {
        var projectSnapshot = await documents.GetAsync(ProjectStorage.DocumentPath(build.ProjectId), cancellationToken);
        var name = projectSnapshot is null ? "Your app" : ProjectDocuments.FromSnapshot(projectSnapshot).Name;
        var outcome = BuildOutcomes.Of(build);
        var (title, body) = kind switch
        {
            NotificationKinds.Publish when outcome?.Kind == OutcomeKinds.Listing => ($"{name} is on Google Play", outcome.Label),
            NotificationKinds.Publish => ($"{name} is out for testing", outcome?.Label ?? $"Released to the {build.Track} track."),
            NotificationKinds.BuildSucceeded => ($"{name} built", outcome?.Label ?? "The build succeeded."),
            _ when build.State == BuildStates.Cancelled => ($"{name}: build cancelled", "The build was cancelled."),
            _ => ($"{name}: build failed", Shorten(build.Error?.Message) ?? "The build failed; open it to see why."),
        };
        var data = new Dictionary<string, string>
        {
            ["type"] = "build",
            ["kind"] = kind,
            ["projectId"] = build.ProjectId,
            ["buildId"] = build.Id,
            ["state"] = build.State,
            ["track"] = build.Track,
            // Only a public listing; outcomeKind/outcomeUrl name every other link (testing opt-in page, Play Console).
            ["playListingUrl"] = build.PlayListingUrl ?? string.Empty,
            ["outcomeKind"] = outcome?.Kind ?? string.Empty,
            ["outcomeUrl"] = outcome?.Url ?? string.Empty,
        };
        if (build.Error is { } error)
        {
            data["errorCode"] = error.Code;
        }

        return new PushMessage(title, body, data);
    }

    private static string? Shorten(string? text) => text is null ? null : text.Length <= 160 ? text : text[..157] + "...";

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {BuildId} {State}: notified {Delivered} of {Devices} devices, removed {Removed} unregistered")]
    private static partial void LogSent(ILogger logger, string buildId, string state, int delivered, int devices, int removed);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed device {InstallationId}: FCM reports its token unregistered")]
    private static partial void LogRemoved(ILogger logger, string installationId);
}

/// <summary>
/// The builds' completion seam: queues the finished build for <see cref="PushNotificationWorker"/>
/// and returns at once, so the request that applied the report never waits for FCM.
/// </summary>
internal sealed partial class PushNotificationSink(PushNotificationQueue queue, ILogger<PushNotificationSink> logger) : IBuildCompletionSink
{
    public Task OnBuildFinishedAsync(Build build, CancellationToken cancellationToken)
    {
        LogFinished(logger, build.Id, build.State, build.Error?.Code);
        if (queue.Active && !queue.Channel.Writer.TryWrite(build))
        {
            LogDropped(logger, build.Id);
        }

        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Build {BuildId} finished: {State} {ErrorCode}")]
    private static partial void LogFinished(ILogger logger, string buildId, string state, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification queue full; build {BuildId} is not notified")]
    private static partial void LogDropped(ILogger logger, string buildId);
}

/// <summary>Finished builds waiting for their notification (in memory, bounded).</summary>
internal sealed class PushNotificationQueue
{
    public PushNotificationQueue(IOptions<NotificationsOptions> options, IHostEnvironment environment, IConfiguration configuration)
    {
        var o = options.Value;
        HasCredentials = !string.IsNullOrEmpty(o.CredentialFile) || !string.IsNullOrEmpty(configuration["GOOGLE_APPLICATION_CREDENTIALS"]) || !environment.IsDevelopment();
        Active = o.Enabled && HasCredentials;
    }

    public Channel<Build> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<Build>(new BoundedChannelOptions(10_000)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    /// <summary>Whether sending is on: enabled, and (in Development) a credential was given.</summary>
    public bool Active { get; }

    public bool HasCredentials { get; }
}

/// <summary>
/// Sends queued notifications one build at a time, in order, off the request path. A failure is
/// logged and never reaches the build.
/// </summary>
internal sealed partial class PushNotificationWorker(
    PushNotificationQueue queue, PushNotifier notifier, IOptions<NotificationsOptions> options, ILogger<PushNotificationWorker> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!queue.Active)
        {
            LogOff(logger, options.Value.Enabled ? "no credentials in Development (set Notifications:CredentialFile or GOOGLE_APPLICATION_CREDENTIALS)" : "Notifications:Enabled is false");
            return;
        }

        await foreach (var build in queue.Channel.Reader.ReadAllAsync(stoppingToken))
        {
            try
            {
                await notifier.NotifyAsync(build, stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex, build.Id, build.State);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Push notifications are off: {Reason}")]
    private static partial void LogOff(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not notify build {BuildId} {State}")]
    private static partial void LogFailed(ILogger logger, Exception exception, string buildId, string state);
}
