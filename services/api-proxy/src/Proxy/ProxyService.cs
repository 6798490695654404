using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PocketCode.ApiProxy.Providers;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>One provider call as an endpoint described it.</summary>
/// <param name="Method">Gemini's method (<c>generateContent</c>, ...) or <c>chat.completions</c>.</param>
/// <param name="BodyHash">Canonical hash of the body (the cache key's last part).</param>
internal sealed record ProxyCall(string Provider, string Model, string Method, bool Stream, byte[] Body, string BodyHash);

/// <summary>
/// The rules of a proxied call, in order: resolve the key (own, else platform, else 403), check
/// the daily platform budget, then answer from the cache or the provider (streamed or whole),
/// and finally count the usage.
/// </summary>
internal sealed partial class ProxyService(
    KeyResolver keys,
    ProviderClient provider,
    ResponseCache cache,
    UsageStore usage,
    UsageRecorder recorder,
    IOptions<ProxyOptions> options,
    ILogger<ProxyService> logger)
{
    /// <summary>The body's canonical hash when the call can be answered from the cache; empty otherwise (no work spent).</summary>
    public string HashFor(bool stream, System.Text.Json.JsonElement body) =>
        !stream && cache.Enabled ? JsonBodies.CanonicalHash(body) : "";

    public async Task ExecuteAsync(HttpContext http, string uid, ProxyCall call)
    {
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(call);
        var cancellationToken = http.RequestAborted;
        var key = await keys.ResolveAsync(uid, call.Provider, cancellationToken);
        await CheckBudgetAsync(uid, key, cancellationToken);
        var endpoint = AiProviders.Endpoint(key.BaseUrl, call.Provider, call.Model, call.Method, call.Stream);
        if (call.Stream)
        {
            await StreamAsync(http, uid, call, key, endpoint);
            return;
        }

        UpstreamResult result;
        var hit = false;
        if (cache.Enabled)
        {
            var cacheKey = cache.KeyFor(uid, call.Provider, key.BaseUrl, call.Model, call.Method, call.BodyHash);
            (result, hit) = await cache.GetOrFetchAsync(cacheKey, NoCache(http.Request), ct => FetchAsync(key, endpoint, call, ct), cancellationToken);
            http.Response.Headers["X-Cache"] = hit ? "HIT" : "MISS";
        }
        else
        {
            result = await FetchAsync(key, endpoint, call, cancellationToken);
        }

        var tokens = hit ? default : result.Usage ?? default;
        Record(uid, new TokenCounts(tokens.InputTokens, tokens.OutputTokens, hit, key.OwnKey));
        http.Response.StatusCode = result.Status;
        http.Response.ContentType = result.ContentType;
        http.Response.ContentLength = result.Body.Length;
        await http.Response.Body.WriteAsync(result.Body, cancellationToken);
    }

    private async Task CheckBudgetAsync(string uid, ResolvedKey key, CancellationToken cancellationToken)
    {
        var budget = options.Value.DailyTokenBudget;
        if (key.OwnKey || budget == 0)
        {
            return;
        }

        var today = await recorder.GetAsync(uid, usage.Today, cancellationToken);
        if (today.PlatformTokens >= budget)
        {
            throw ProxyProblems.Create(
                429,
                ProxyProblems.BudgetExceededCode,
                $"Today's AI budget on the platform key ({budget} tokens) is used up; it resets at 00:00 UTC. Store your own {AiProviders.DisplayName(key.Provider)} key to keep going.",
                retryAfter: usage.UntilTomorrow());
        }
    }

    private async Task<UpstreamResult> FetchAsync(ResolvedKey key, Uri endpoint, ProxyCall call, CancellationToken cancellationToken)
    {
        using var response = await provider.SendAsync(key, endpoint, call.Body, stream: false, cancellationToken);
        if (ProviderClient.FromStatus(response, call.Provider) is { } failure)
        {
            throw failure;
        }

        var body = await provider.ReadBodyAsync(response, call.Provider, cancellationToken);
        body = KeyScrubber.Scrub(body, Encoding.UTF8.GetBytes(key.Key.Reveal()));
        var contentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
        var tokens = response.IsSuccessStatusCode ? TokenUsage.TryRead(body, call.Provider) : null;
        return new UpstreamResult((int)response.StatusCode, contentType, body, tokens);
    }

    private async Task StreamAsync(HttpContext http, string uid, ProxyCall call, ResolvedKey key, Uri endpoint)
    {
        var cancellationToken = http.RequestAborted;
        using var response = await provider.SendAsync(key, endpoint, call.Body, stream: true, cancellationToken);
        if (ProviderClient.FromStatus(response, call.Provider) is { } failure)
        {
            throw failure;
        }

        var secret = Encoding.UTF8.GetBytes(key.Key.Reveal());
        if (!response.IsSuccessStatusCode)
        {
            // A refusal (400 bad request, 401 bad own key, ...) before any event: relayed as it came.
            var error = await provider.ReadBodyAsync(response, call.Provider, cancellationToken);
            http.Response.StatusCode = (int)response.StatusCode;
            http.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/json";
            await http.Response.Body.WriteAsync(KeyScrubber.Scrub(error, secret), cancellationToken);
            Record(uid, new TokenCounts(0, 0, false, key.OwnKey));
            return;
        }

        http.Features.Get<IHttpsCompressionFeature>()?.Mode = HttpsCompressionMode.DoNotCompress;
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        http.Response.Headers["X-Accel-Buffering"] = "no";
        await http.Response.StartAsync(cancellationToken);

        TokenUsage? last = null;
        var settings = options.Value;
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        RelayOutcome outcome;
        try
        {
            outcome = await SseRelay.RelayAsync(
                body,
                http.Response.BodyWriter,
                settings.MaxLineBytes,
                settings.StreamIdleTimeout,
                secret,
                data => last = TokenUsage.TryRead(data.TrimStart((byte)' '), call.Provider) ?? last,
                cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: disposing the response below closes the provider's stream too.
            LogClientGone(logger, call.Provider);
            Record(uid, new TokenCounts(last?.InputTokens ?? 0, last?.OutputTokens ?? 0, false, key.OwnKey));
            return;
        }

        var name = AiProviders.DisplayName(call.Provider);
        var ending = outcome switch
        {
            RelayOutcome.IdleTimeout => (504, "DEADLINE_EXCEEDED", $"The {name} provider ({call.Provider}) sent nothing for {settings.StreamIdleTimeout.TotalSeconds:0.###} s; the stream was cut."),
            RelayOutcome.LineTooLong => (502, "BAD_GATEWAY", $"The {name} provider ({call.Provider}) sent a line longer than {settings.MaxLineBytes} bytes; the stream was cut."),
            RelayOutcome.UpstreamBroken => (502, "BAD_GATEWAY", $"The {name} provider ({call.Provider}) broke off the stream."),
            _ => default((int, string, string)?),
        };
        Record(uid, new TokenCounts(last?.InputTokens ?? 0, last?.OutputTokens ?? 0, false, key.OwnKey));
        if (ending is { } e)
        {
            LogStreamCut(logger, call.Provider, outcome);
            await SseRelay.WriteErrorEventAsync(http.Response.BodyWriter, e.Item1, e.Item2, e.Item3, cancellationToken);
        }
    }

    // Counted even when the client has gone: the provider's tokens were spent all the same.
    private void Record(string uid, TokenCounts counts) => recorder.Add(uid, counts);

    private static bool NoCache(HttpRequest request) =>
        request.Headers.CacheControl.Any(v => v is not null && v.Contains("no-cache", StringComparison.OrdinalIgnoreCase))
        || request.Headers.Pragma.Any(v => v is not null && v.Contains("no-cache", StringComparison.OrdinalIgnoreCase));

    [LoggerMessage(Level = LogLevel.Information, Message = "Client left a {Provider} stream; the provider call was cancelled")]
    private static partial void LogClientGone(ILogger logger, string provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Provider} stream was cut: {Outcome}")]
    private static partial void LogStreamCut(ILogger logger, string provider, RelayOutcome outcome);

}
