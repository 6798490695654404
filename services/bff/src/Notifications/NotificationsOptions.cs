using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.Notifications;

/// <summary>
/// <c>Notifications:*</c>: push notifications of build results through FCM HTTP v1. The Firebase
/// project is the platform's (<c>GOOGLE_CLOUD_PROJECT</c>); the OAuth token comes from
/// <see cref="CredentialFile"/> when set, otherwise from Application Default Credentials.
/// </summary>
internal sealed class NotificationsOptions
{
    public const string SectionName = "Notifications";

    /// <summary>Off switch for sending (devices can still be registered).</summary>
    public bool Enabled { get; set; } = true;

    public Uri FcmBaseUrl { get; set; } = new("https://fcm.googleapis.com");

    /// <summary>
    /// A service-account JSON file to mint the FCM token from; unset = Application Default
    /// Credentials. In Development, with neither this nor GOOGLE_APPLICATION_CREDENTIALS, sending is off.
    /// </summary>
    public string? CredentialFile { get; set; }

    /// <summary>Attempts per device on transient FCM errors (429, 5xx), including the first.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>First retry delay; doubles per attempt, with jitter; a Retry-After answer wins.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public int MaxDevicesPerUser { get; set; } = 20;

    /// <summary>How long the once-per-state records in <c>notifications</c> are kept (Firestore TTL).</summary>
    public TimeSpan SentRecordLifetime { get; set; } = TimeSpan.FromDays(30);
}

internal sealed class NotificationsOptionsValidator : IValidateOptions<NotificationsOptions>
{
    public ValidateOptionsResult Validate(string? name, NotificationsOptions options)
    {
        var failures = new OptionsFailures(NotificationsOptions.SectionName);
        const string s = NotificationsOptions.SectionName;
        failures.HttpsUrl(nameof(options.FcmBaseUrl), options.FcmBaseUrl);

        if (options.CredentialFile is { Length: > 0 } file && !File.Exists(file))
        {
            failures.Add($"{s}:{nameof(options.CredentialFile)} names a file that does not exist.");
        }

        if (options.MaxAttempts is < 2 or > 10)
        {
            failures.Add($"{s}:{nameof(options.MaxAttempts)} must be between 2 and 10.");
        }

        if (options.RetryDelay <= TimeSpan.Zero || options.RetryDelay > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{s}:{nameof(options.RetryDelay)} must be between 0 and 1 minute.");
        }

        if (options.MaxDevicesPerUser is < 1 or > 100)
        {
            failures.Add($"{s}:{nameof(options.MaxDevicesPerUser)} must be between 1 and 100.");
        }

        if (options.SentRecordLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{s}:{nameof(options.SentRecordLifetime)} must be positive.");
        }

        return failures.Result();
    }
}
