using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Redis;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

internal static class ProxyRateLimiting
{
    /// <summary>The per-user limit of AI calls: a token bucket per instance, or shared in Redis when configured.</summary>
    public static void AddProxyRateLimiting(this IServiceCollection services, bool useRedis)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.AddPolicy(ProxyEndpoints.RateLimitPolicy, http =>
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
