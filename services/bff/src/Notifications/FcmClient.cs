using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Apis.Auth.OAuth2;
using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.Notifications;

/// <summary>What the app shows and the data it needs to open the build screen (all strings, as FCM requires).</summary>
internal sealed record PushMessage(string Title, string Body, IReadOnlyDictionary<string, string> Data);

internal enum FcmOutcome
{
    Sent,

    /// <summary>FCM says the token is no longer valid (UNREGISTERED, or a malformed token): remove the device.</summary>
    TokenGone,

    /// <summary>Gave up (transient errors after every retry, or another error).</summary>
    Failed,
}

/// <summary>OAuth access tokens for FCM (scope firebase.messaging), cached and refreshed by Google.Apis.Auth.</summary>
internal interface IFcmAccessTokens
{
    Task<string> GetAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The service account in <see cref="NotificationsOptions.CredentialFile"/>, or Application Default
/// Credentials (on Cloud Run: the metadata server). Loaded on first use, so start-up needs no network.
/// </summary>
internal sealed class GoogleFcmAccessTokens(IOptions<NotificationsOptions> options) : IFcmAccessTokens
{
    public const string Scope = "https://www.googleapis.com/auth/firebase.messaging";
    private Task<GoogleCredential>? _credential;

    public async Task<string> GetAsync(CancellationToken cancellationToken)
    {
        var load = _credential ??= LoadAsync();
        GoogleCredential credential;
        try
        {
            credential = await load.WaitAsync(cancellationToken);
        }
        catch when (load.IsFaulted)
        {
            // Not cached: the next notification tries again.
            _ = Interlocked.CompareExchange(ref _credential, null, load);
            throw;
        }

        return await ((ITokenAccess)credential).GetAccessTokenForRequestAsync(cancellationToken: cancellationToken);
    }

    private async Task<GoogleCredential> LoadAsync()
    {
        var credential = options.Value.CredentialFile is { Length: > 0 } file
            ? (await CredentialFactory.FromFileAsync<ServiceAccountCredential>(file, CancellationToken.None)).ToGoogleCredential()
            : await GoogleCredential.GetApplicationDefaultAsync();
        return credential.CreateScoped(Scope);
    }
}

/// <summary>
/// FCM HTTP v1 <c>projects/{project}/messages:send</c>, one message per device token. Transient
/// answers (408, 429, 5xx) are retried by the HTTP client's resilience handler (the platform's
/// standard one, tuned for this client in <see cref="NotificationsApi.AddNotifications"/>: bounded
/// attempts, exponential backoff with jitter, Retry-After honoured), so nothing retries twice.
/// </summary>
internal sealed partial class FcmClient(
    IHttpClientFactory httpClients, IFcmAccessTokens tokens, IOptions<NotificationsOptions> options, IOptions<PlatformOptions> platform, ILogger<FcmClient> logger)
{
    public const string HttpClientName = "fcm";

    public async Task<FcmOutcome> SendAsync(string deviceToken, PushMessage message, CancellationToken cancellationToken)
    {
        var url = new Uri(options.Value.FcmBaseUrl, $"v1/projects/{Uri.EscapeDataString(platform.Value.ProjectId ?? string.Empty)}/messages:send");
        var body = new Dictionary<string, object?>
        {
            ["message"] = new Dictionary<string, object?>
            {
                ["token"] = deviceToken,
                ["notification"] = new Dictionary<string, string> { ["title"] = message.Title, ["body"] = message.Body },
                ["data"] = message.Data,
                ["android"] = new Dictionary<string, object?>
                {
                    ["priority"] = "HIGH",
                    ["collapse_key"] = message.Data.GetValueOrDefault("buildId"),
                    ["notification"] = new Dictionary<string, string> { ["channel_id"] = "builds", ["tag"] = message.Data.GetValueOrDefault("buildId") ?? "build" },
                },
                ["apns"] = new Dictionary<string, object?> { ["headers"] = new Dictionary<string, string> { ["apns-priority"] = "10" } },
            },
        };

        try
        {
            var accessToken = await tokens.GetAsync(cancellationToken);
            var http = httpClients.CreateClient(HttpClientName);
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = JsonContent.Create(body) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return FcmOutcome.Sent;
            }

            var (status, errorCode, text) = await ReadErrorAsync(response, cancellationToken);
            // Only a verdict on the token removes the device (not a 404 of a misconfigured project).
            if (errorCode == "UNREGISTERED"
                || (response.StatusCode == HttpStatusCode.BadRequest && errorCode == "INVALID_ARGUMENT" && text?.Contains("registration token", StringComparison.OrdinalIgnoreCase) == true))
            {
                return FcmOutcome.TokenGone;
            }

            LogRefused(logger, (int)response.StatusCode, errorCode ?? status);
            return FcmOutcome.Failed;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or Polly.Timeout.TimeoutRejectedException
            or Polly.CircuitBreaker.BrokenCircuitException or InvalidOperationException or IOException or Google.Apis.Auth.OAuth2.Responses.TokenResponseException
            && !cancellationToken.IsCancellationRequested)
        {
            // The exception's message names no token: FCM tokens only travel in the request body.
            LogUnreachable(logger, ex.GetType().Name);
            return FcmOutcome.Failed;
        }
    }

    /// <summary>FCM's error: <c>error.status</c> and the FcmError detail's <c>errorCode</c>.</summary>
    private static async Task<(string? Status, string? ErrorCode, string? Message)> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            if (!json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return (null, null, null);
            }

            var message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var status = error.TryGetProperty("status", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;
            string? code = null;
            if (error.TryGetProperty("details", out var details) && details.ValueKind == JsonValueKind.Array)
            {
                foreach (var detail in details.EnumerateArray())
                {
                    if (detail.ValueKind == JsonValueKind.Object && detail.TryGetProperty("errorCode", out var c) && c.ValueKind == JsonValueKind.String)
                    {
                        code = c.GetString();
                    }
                }
            }

            return (status, code ?? status, message);
        }
        catch (JsonException)
        {
            return (null, null, null);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "FCM refused a notification: {StatusCode} {ErrorCode}")]
    private static partial void LogRefused(ILogger logger, int statusCode, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "FCM could not be reached after every retry ({Failure}); the notification is dropped")]
    private static partial void LogUnreachable(ILogger logger, string failure);
}
