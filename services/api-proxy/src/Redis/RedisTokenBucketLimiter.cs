using System.Globalization;
using System.Threading.RateLimiting;
using PocketCode.ApiProxy.Proxy;
using StackExchange.Redis;

namespace PocketCode.ApiProxy.Redis;

/// <summary>
/// One user's token bucket kept in Redis, so every proxy instance draws from the same bucket:
/// <see cref="RateLimitSettings.TokenLimit"/> burst, refilled by
/// <see cref="RateLimitSettings.TokensPerPeriod"/> each whole <see cref="RateLimitSettings.ReplenishmentPeriod"/>
/// (the same rule as <see cref="TokenBucketRateLimiter"/>), checked and spent atomically by one Lua
/// script on Redis's own clock. While Redis is unreachable it falls back to an in-memory bucket per
/// instance. Hand-written: RedisRateLimiting 1.2.1 (the maintained package) gives a rejected lease
/// no Retry-After, which the proxy's 429 must carry.
/// </summary>
internal sealed class RedisTokenBucketLimiter : RateLimiter
{
    // KEYS[1] = bucket; ARGV = limit, tokens per period, period (ms), permits wanted.
    // Returns {1, 0} when granted, {0, ms until enough tokens} when not.
    private const string Script = """
        local limit = tonumber(ARGV[1])
        local perPeriod = tonumber(ARGV[2])
        local period = tonumber(ARGV[3])
        local wanted = tonumber(ARGV[4])
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local state = redis.call('HMGET', KEYS[1], 'tokens', 'since')
        local tokens = tonumber(state[1])
        local since = tonumber(state[2])
        if tokens == nil or since == nil then
          tokens = limit
          since = now
        end
        local periods = math.floor((now - since) / period)
        if periods > 0 then
          tokens = math.min(limit, tokens + periods * perPeriod)
          since = since + periods * period
        end
        if tokens >= limit then
          since = now
        end
        local granted = 0
        local wait = 0
        if tokens >= wanted then
          tokens = tokens - wanted
          granted = 1
        else
          wait = since + math.ceil((wanted - tokens) / perPeriod) * period - now
        end
        redis.call('HSET', KEYS[1], 'tokens', tokens, 'since', since)
        redis.call('PEXPIRE', KEYS[1], (math.ceil(limit / perPeriod) + 1) * period)
        return {granted, wait}
        """;

    private readonly RedisKey _key;
    private readonly RedisValue[] _arguments;
    private readonly RedisConnection _redis;
    private readonly TokenBucketRateLimiter _fallback;

    public RedisTokenBucketLimiter(string partition, RateLimitSettings settings, RedisConnection redis)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _key = "pocketcode:api-proxy:rate:" + partition;
        _arguments = [settings.TokenLimit, settings.TokensPerPeriod, (long)settings.ReplenishmentPeriod.TotalMilliseconds, 1];
        _redis = redis;
        _fallback = new TokenBucketRateLimiter(ProxyRateLimits.InMemory(settings));
    }

    public override TimeSpan? IdleDuration => _fallback.IdleDuration;

    public override RateLimiterStatistics? GetStatistics() => _fallback.GetStatistics();

    // The middleware tries this synchronous path first and awaits AcquireAsync when it is refused:
    // the Redis round trip is asynchronous, so the synchronous attempt always defers to it.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => permitCount == 0 ? Lease.Granted : Lease.Deferred;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        if (permitCount == 0)
        {
            return Lease.Granted;
        }

        try
        {
            var connection = await _redis.GetAsync();
            var arguments = permitCount == 1 ? _arguments : new RedisValue[] { _arguments[0], _arguments[1], _arguments[2], permitCount };
            var result = (RedisResult[]?)await connection.GetDatabase().ScriptEvaluateAsync(Script, [_key], arguments);
            _redis.ReportHealthy();
            if (result is [var granted, var wait])
            {
                return (long)granted == 1 ? Lease.Granted : Lease.RetryAfter(TimeSpan.FromMilliseconds(Math.Max(1, (long)wait)));
            }

            throw new RedisException("Unexpected rate limit script result.");
        }
        catch (Exception e) when (e is RedisException or RedisTimeoutException or TimeoutException or ObjectDisposedException)
        {
            _redis.ReportFailure(e, "rate limits are counted per instance");
            return await _fallback.AcquireAsync(permitCount, cancellationToken);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await _fallback.DisposeAsync();
        await base.DisposeAsyncCore();
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);
        public static readonly Lease Deferred = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => retryAfter is null ? Array.Empty<string>() : new[] { MetadataName.RetryAfter.Name };

        public static Lease RetryAfter(TimeSpan wait) => new(false, wait);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = wait;
                return true;
            }

            metadata = null;
            return false;
        }

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{(acquired ? "granted" : "refused")} {retryAfter}");
    }
}
