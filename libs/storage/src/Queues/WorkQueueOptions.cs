using System.Globalization;
using Microsoft.Extensions.Configuration;
using PocketCode.Platform;

namespace PocketCode.Storage.Queues;

public enum WorkQueueKind
{
    Embedded,
    PubSub,
}

/// <summary>
/// The work queue's settings, read from environment-style keys like <see cref="StorageOptions"/>.
/// With nothing set the queue is embedded in the document store's SQLite file; a Pub/Sub topic
/// prefix (<c>PUBSUB_TOPIC_PREFIX</c>) selects Pub/Sub.
/// </summary>
public sealed class WorkQueueOptions
{
    public WorkQueueKind Kind { get; init; }

    /// <summary>Deliveries before an item is dead-lettered. Pub/Sub accepts 5-100 (its dead-letter policy's range).</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Back-off after the first failure; it doubles per attempt up to <see cref="MaxBackoff"/> (embedded adapter; Pub/Sub's retry policy is set on the subscription).</summary>
    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A handler running longer fails its attempt (Pub/Sub: keep it below the subscription's ack deadline).</summary>
    public TimeSpan HandlerTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Embedded: items delivered at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>Embedded: how often the dispatcher looks for items published by another process on the same file.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Embedded: the SQLite file (the document store's).</summary>
    public string DatabasePath { get; init; } = "";

    public string ProjectId { get; init; } = "demo-pocketcode";

    /// <summary>Pub/Sub: topics are <c>{prefix}{queue}</c> and <c>{prefix}{queue}-dead-letter</c>.</summary>
    public string TopicPrefix { get; init; } = "";

    /// <summary>Pub/Sub: <c>host:port</c> of the emulator (Google's PUBSUB_EMULATOR_HOST convention).</summary>
    public string? EmulatorHost { get; init; }

    /// <summary>Pub/Sub push: the service's public base URL; a push token's audience must be this plus the endpoint path.</summary>
    public Uri? PushAudienceBase { get; init; }

    /// <summary>Pub/Sub push: the service account whose Google-signed token push requests must carry.</summary>
    public string? PushServiceAccount { get; init; }

    /// <summary>Pub/Sub push: the issuer of push tokens (Google; a local issuer in tests).</summary>
    public Uri PushTokenIssuer { get; init; } = new("https://accounts.google.com");

    /// <summary>
    /// Pub/Sub push without the token check, for the emulator (which signs nothing). Start-up refuses
    /// it outside the Development environment.
    /// </summary>
    public bool PushAuthenticationDisabled { get; init; }

    /// <summary>Google's issuer (checked 2026-12-08 in docs.cloud.google.com/pubsub/docs/authenticate-push-subscriptions: <c>"iss":"https://accounts.google.com"</c>).</summary>
    internal static readonly Uri GoogleIssuer = new("https://accounts.google.com");

    public static WorkQueueOptions FromConfiguration(IConfiguration configuration, StorageOptions storage)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(storage);
        var prefix = NullIfEmpty(configuration["PUBSUB_TOPIC_PREFIX"]);
        var publicBase = NullIfEmpty(configuration["PUBLIC_BASE_URL"]);
        var issuer = NullIfEmpty(configuration["PUBSUB_PUSH_TOKEN_ISSUER"]);
        return new WorkQueueOptions
        {
            Kind = prefix is null ? WorkQueueKind.Embedded : WorkQueueKind.PubSub,
            MaxAttempts = Int(configuration, "WORK_QUEUE_MAX_ATTEMPTS", 5),
            MinBackoff = TimeSpan.FromSeconds(Int(configuration, "WORK_QUEUE_MIN_BACKOFF_SECONDS", 10)),
            MaxBackoff = TimeSpan.FromSeconds(Int(configuration, "WORK_QUEUE_MAX_BACKOFF_SECONDS", 600)),
            HandlerTimeout = TimeSpan.FromSeconds(Int(configuration, "WORK_QUEUE_HANDLER_TIMEOUT_SECONDS", 120)),
            Concurrency = Int(configuration, "WORK_QUEUE_CONCURRENCY", 8),
            DatabasePath = Path.Combine(storage.DataDirectory, "documents.db"),
            ProjectId = storage.ProjectId,
            TopicPrefix = prefix ?? "",
            EmulatorHost = NullIfEmpty(configuration["PUBSUB_EMULATOR_HOST"]),
            PushAudienceBase = publicBase is null || !Uri.TryCreate(publicBase.TrimEnd('/') + "/", UriKind.Absolute, out var audience) ? null : audience,
            PushServiceAccount = NullIfEmpty(configuration["PUBSUB_PUSH_SERVICE_ACCOUNT"]),
            PushTokenIssuer = issuer is null || !Uri.TryCreate(issuer, UriKind.Absolute, out var issuerUri) ? GoogleIssuer : issuerUri,
            PushAuthenticationDisabled = string.Equals(NullIfEmpty(configuration["PUBSUB_PUSH_AUTH_DISABLED"]), "true", StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>Every setting that is wrong, each naming its key; empty when the options can run.</summary>
    public IReadOnlyList<string> Problems(bool isDevelopment)
    {
        var failures = new OptionsFailures("WorkQueue");
        failures
            .Check(MaxAttempts >= 1, "WORK_QUEUE_MAX_ATTEMPTS must be at least 1.")
            .Check(MinBackoff >= TimeSpan.Zero && MaxBackoff >= MinBackoff, "WORK_QUEUE_MIN_BACKOFF_SECONDS cannot be negative nor above WORK_QUEUE_MAX_BACKOFF_SECONDS.")
            .Check(HandlerTimeout > TimeSpan.Zero, "WORK_QUEUE_HANDLER_TIMEOUT_SECONDS must be positive.")
            .Check(Concurrency >= 1, "WORK_QUEUE_CONCURRENCY must be at least 1.");
        if (Kind == WorkQueueKind.PubSub)
        {
            failures
                .Check(MaxAttempts is >= 5 and <= 100, "WORK_QUEUE_MAX_ATTEMPTS must be 5-100 on Pub/Sub (its dead-letter policy's range).")
                .Check(HandlerTimeout <= TimeSpan.FromSeconds(600), "WORK_QUEUE_HANDLER_TIMEOUT_SECONDS must be at most 600 on Pub/Sub (the longest ack deadline).");
            if (PushAuthenticationDisabled)
            {
                failures.Check(isDevelopment, "PUBSUB_PUSH_AUTH_DISABLED is only allowed in the Development environment (the emulator signs no push tokens).");
            }
            else
            {
                failures
                    .Check(PushAudienceBase is { Scheme: "https" } || PushAudienceBase is { IsLoopback: true }, "PUBLIC_BASE_URL must be set to the service's https URL: push tokens' audience is checked against it.")
                    .Check(PushServiceAccount is not null, "PUBSUB_PUSH_SERVICE_ACCOUNT must name the service account of the push subscriptions.");
            }
        }

        var result = failures.Result();
        return result.Failed ? result.Failures.ToList() : [];
    }

    /// <summary>The back-off before attempt <paramref name="failedAttempts"/> + 1.</summary>
    internal TimeSpan BackoffAfter(int failedAttempts)
    {
        var factor = Math.Pow(2, Math.Clamp(failedAttempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks((long)Math.Min(MinBackoff.Ticks * factor, MaxBackoff.Ticks));
        return delay < MinBackoff ? MinBackoff : delay;
    }

    private static int Int(IConfiguration configuration, string key, int fallback)
    {
        var raw = NullIfEmpty(configuration[key]);
        if (raw is null)
        {
            return fallback;
        }

        return int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new InvalidOperationException($"{key} must be a whole number; it is '{raw}'.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
