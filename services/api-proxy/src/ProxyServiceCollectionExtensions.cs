using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Polly;
using PocketCode.ApiProxy.Providers;
using PocketCode.ApiProxy.Proxy;
using PocketCode.ApiProxy.Redis;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;

namespace PocketCode.ApiProxy;

public static class ProxyServiceCollectionExtensions
{
    /// <summary>Options, provider clients with their own resilience pipelines, cache, rate limiter and the proxy's services.</summary>
    public static IServiceCollection AddApiProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProvidersOptions>()
            .Bind(configuration.GetSection(ProvidersOptions.SectionName))
            .PostConfigure(o => ProvidersOptions.ReadPlatformKeys(o, configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();
        services.AddOptions<ProxyOptions>()
            .Bind(configuration.GetSection(ProxyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();

        services.AddMemoryCache();
        services.AddBytesHybridCache(o =>
        {
            o.MaximumPayloadBytes = 64 * 1024 * 1024;
            o.MaximumKeyLength = 1024;
        });
        var redis = configuration[RedisConnection.ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // Redis as HybridCache's second level (entries shared by all instances; HybridCache
            // treats a failing second level as a miss and keeps its in-memory level) and as the
            // shared rate limit's store. One connection for both, opened on first use.
            services.AddSingleton(sp => new RedisConnection(redis, sp.GetRequiredService<ILogger<RedisConnection>>()));
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>((o, connection) =>
            {
                o.InstanceName = "pocketcode:api-proxy:cache:";
                o.ConnectionMultiplexerFactory = connection.GetAsync;
            });
        }

        services.AddAheadOfTimeOptions<ProvidersOptions>()
            .AddAheadOfTimeOptions<ProxyOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Caching.Memory.MemoryCacheOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Caching.Hybrid.HybridCacheOptions>();
        services.AddSingleton<KeyResolver>();
        services.AddSingleton<ProviderClient>();
        services.AddSingleton<ResponseCache>();
        services.AddSingleton<UsageStore>();
        services.AddSingleton<UsageRecorder>();
        services.AddHostedService(sp => sp.GetRequiredService<UsageRecorder>());
        services.AddSingleton<ProxyService>();

        AddProviderClient(services, AiProviders.Gemini);
        AddProviderClient(services, AiProviders.OpenAi);
        AddRateLimiting(services, useRedis: !string.IsNullOrWhiteSpace(redis));
        return services;
    }

    private static void AddProviderClient(IServiceCollection services, string provider)
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

    private static void AddRateLimiting(IServiceCollection services, bool useRedis)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(ProxyApi.RateLimitPolicy, http =>
            {
                var o = http.RequestServices.GetRequiredService<IOptions<ProxyOptions>>().Value.RateLimit;
                var uid = http.User.FindUid() ?? "anonymous";
                if (useRedis)
                {
                    var redis = http.RequestServices.GetRequiredService<RedisConnection>();
                    return RateLimitPartition.Get(uid, key => new RedisTokenBucketLimiter(key, o, redis));
                }

                return RateLimitPartition.GetTokenBucketLimiter(uid, _ => ProxyRateLimits.InMemory(o));
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Create(429, ProblemCodes.RateLimited, "Too many AI calls; wait for the time in Retry-After and try again.").ExecuteAsync(http);
            };
        });
    }
}

/// <summary>The per-instance token bucket of <see cref="RateLimitSettings"/>.</summary>
internal static class ProxyRateLimits
{
    public static TokenBucketRateLimiterOptions InMemory(RateLimitSettings settings) => new()
    {
        TokenLimit = settings.TokenLimit,
        TokensPerPeriod = settings.TokensPerPeriod,
        ReplenishmentPeriod = settings.ReplenishmentPeriod,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
