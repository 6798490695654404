using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using PocketCode.ApiProxy.Providers;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

internal static class ProviderHttpClients
{
    /// <summary>The named HttpClient of one AI provider with its own resilience pipeline (retries, circuit per address, timeout).</summary>
    public static void AddProviderClient(this IServiceCollection services, string provider)
    {
        // RemoveAllResilienceHandlers is marked experimental; it is the supported way to drop the
        // handler ConfigureHttpClientDefaults added for one client.
#pragma warning disable EXTEXP0001
        services.AddHttpClient(provider, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                AutomaticDecompression = DecompressionMethods.None,
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            // The proxy logs each provider failure itself (ProviderClient), naming the provider and
            // never the key; the factory's two per-call log handlers would only add a start and
            // end line to every AI call, and their cost.
            .RemoveAllLoggers()
            // Not the platform's default handler: its 30 s total timeout would cut long streams.
            .RemoveAllResilienceHandlers()
            .AddResilienceHandler("provider", (pipeline, context) =>
            {
                var o = context.ServiceProvider.GetRequiredService<IOptions<ProxyOptions>>().Value;
                if (o.MaxRetries > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = o.MaxRetries,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                        Delay = TimeSpan.FromMilliseconds(200),
                        MaxDelay = TimeSpan.FromSeconds(5),
                        // Only a non-streaming call answered 429 or 503 is repeated: a stream may
                        // already have reached the client, and other failures will not heal by repeating.
                        ShouldHandle = args => ValueTask.FromResult(
                            args.Outcome.Result is { StatusCode: HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable } response
                            && !(response.RequestMessage?.Options.TryGetValue(ProviderClient.StreamOption, out var stream) == true && stream)),
                    });
                }

                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = o.CircuitBreaker.FailureRatio,
                    MinimumThroughput = o.CircuitBreaker.MinimumThroughput,
                    SamplingDuration = o.CircuitBreaker.SamplingDuration,
                    BreakDuration = o.CircuitBreaker.BreakDuration,
                    // 5xx, timeouts and unreachable hosts count; a provider's 429 is its quota, not an outage.
                    ShouldHandle = args => ValueTask.FromResult(
                        args.Outcome.Exception is HttpRequestException or Polly.Timeout.TimeoutRejectedException
                        || args.Outcome.Result is { StatusCode: >= HttpStatusCode.InternalServerError }),
                });
                pipeline.AddTimeout(o.Timeout);
            })
            // One pipeline (and so one circuit) per provider address: an own OpenAI-compatible
            // base URL that is down does not pause calls to the platform's.
            .SelectPipelineByAuthority();
#pragma warning restore EXTEXP0001
    }
}
