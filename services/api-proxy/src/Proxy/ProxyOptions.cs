using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>The <c>Proxy</c> section: timeouts, retries, stream limits, cache, rate limit and budget.</summary>
internal sealed class ProxyOptions
{
    public const string SectionName = "Proxy";

    /// <summary>Per attempt: until the whole response (non-streaming) or its headers (streaming) arrive.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(100);

    /// <summary>A stream with no bytes from the provider for this long is cut with a final error event.</summary>
    public TimeSpan StreamIdleTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Retries of a non-streaming call answered 429 or 503 (or a timed-out attempt); streams are never retried.</summary>
    public int MaxRetries { get; set; } = 2;

    /// <summary>Longest line accepted from a provider's event stream; a longer one ends the stream with an error event.</summary>
    public int MaxLineBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest non-streaming response body accepted from a provider (502 above).</summary>
    public int MaxResponseBytes { get; set; } = 32 * 1024 * 1024;

    /// <summary>Tokens per user per UTC day on the platform key (0 = no limit). Own keys are not counted against it.</summary>
    public long DailyTokenBudget { get; set; } = 200_000;

    /// <summary>How long a user's own key (or its absence) is remembered in memory; 0 reads the vault on every call.</summary>
    public TimeSpan KeyCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the budget check keeps a usage record it read before reading it again (this
    /// instance's own writes drop it at once); 0 reads the record on every call. Other instances'
    /// spending reaches this one's budget check within this time.
    /// </summary>
    public TimeSpan BudgetReadTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the usage counts collected in memory are written to the usage documents.</summary>
    public TimeSpan UsageFlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    public CacheSettings Cache { get; set; } = new();

    public RateLimitSettings RateLimit { get; set; } = new();

    public CircuitBreakerSettings CircuitBreaker { get; set; } = new();
}

internal enum CacheScope
{
    /// <summary>Entries are keyed by the caller's uid: a user only ever gets their own cached answers.</summary>
    User,

    /// <summary>Identical calls of different users share entries.</summary>
    Shared,
}

internal sealed class CacheSettings
{
    public bool Enabled { get; set; } = true;

    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(10);

    public CacheScope Scope { get; set; } = CacheScope.User;

    /// <summary>Responses larger than this are not cached.</summary>
    public int MaxEntryBytes { get; set; } = 1024 * 1024;
}

/// <summary>Token bucket per user: <see cref="TokenLimit"/> burst, refilled by <see cref="TokensPerPeriod"/> every <see cref="ReplenishmentPeriod"/>.</summary>
internal sealed class RateLimitSettings
{
    public int TokenLimit { get; set; } = 60;

    public int TokensPerPeriod { get; set; } = 60;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromMinutes(1);
}

internal sealed class CircuitBreakerSettings
{
    public double FailureRatio { get; set; } = 0.5;

    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);
}

internal sealed class ProxyOptionsValidator : IValidateOptions<ProxyOptions>
{
    public ValidateOptionsResult Validate(string? name, ProxyOptions o)
    {
        var failures = new OptionsFailures(ProxyOptions.SectionName);
        failures.Check(o.Timeout > TimeSpan.Zero && o.Timeout <= TimeSpan.FromMinutes(10), "Proxy:Timeout must be between 0 and 10 minutes (e.g. 00:01:40).");
        failures.Check(o.StreamIdleTimeout > TimeSpan.Zero && o.StreamIdleTimeout <= TimeSpan.FromMinutes(10), "Proxy:StreamIdleTimeout must be between 0 and 10 minutes (e.g. 00:00:30).");
        failures.Check(o.MaxRetries is >= 0 and <= 5, "Proxy:MaxRetries must be between 0 and 5.");
        failures.Check(o.MaxLineBytes is >= 1024 and <= 64 * 1024 * 1024, "Proxy:MaxLineBytes must be between 1024 and 67108864.");
        failures.Check(o.MaxResponseBytes is >= 1024 and <= 256 * 1024 * 1024, "Proxy:MaxResponseBytes must be between 1024 and 268435456.");
        failures.Check(o.DailyTokenBudget >= 0, "Proxy:DailyTokenBudget must be 0 (no limit) or more.");
        failures.Check(o.KeyCacheTtl >= TimeSpan.Zero && o.KeyCacheTtl <= TimeSpan.FromMinutes(10), "Proxy:KeyCacheTtl must be between 0 and 10 minutes.");
        failures.Check(o.BudgetReadTtl >= TimeSpan.Zero && o.BudgetReadTtl <= TimeSpan.FromMinutes(10), "Proxy:BudgetReadTtl must be between 0 and 10 minutes.");
        failures.Check(o.UsageFlushInterval >= TimeSpan.FromMilliseconds(10) && o.UsageFlushInterval <= TimeSpan.FromMinutes(1), "Proxy:UsageFlushInterval must be between 10 ms and 1 minute (e.g. 00:00:01).");
        failures.Check(o.Cache.Ttl > TimeSpan.Zero, "Proxy:Cache:Ttl must be positive (e.g. 00:10:00).");
        failures.Check(Enum.IsDefined(o.Cache.Scope), "Proxy:Cache:Scope must be User or Shared.");
        failures.Check(o.Cache.MaxEntryBytes > 0, "Proxy:Cache:MaxEntryBytes must be positive.");
        failures.Check(o.RateLimit.TokenLimit > 0, "Proxy:RateLimit:TokenLimit must be positive.");
        failures.Check(o.RateLimit.TokensPerPeriod > 0, "Proxy:RateLimit:TokensPerPeriod must be positive.");
        failures.Check(o.RateLimit.ReplenishmentPeriod > TimeSpan.Zero, "Proxy:RateLimit:ReplenishmentPeriod must be positive (e.g. 00:01:00).");
        failures.Check(o.CircuitBreaker.FailureRatio is > 0 and <= 1, "Proxy:CircuitBreaker:FailureRatio must be in (0, 1].");
        failures.Check(o.CircuitBreaker.MinimumThroughput >= 2, "Proxy:CircuitBreaker:MinimumThroughput must be at least 2.");
        failures.Check(o.CircuitBreaker.SamplingDuration >= TimeSpan.FromMilliseconds(500), "Proxy:CircuitBreaker:SamplingDuration must be at least 0.5 s.");
        failures.Check(o.CircuitBreaker.BreakDuration >= TimeSpan.FromMilliseconds(500), "Proxy:CircuitBreaker:BreakDuration must be at least 0.5 s.");
        return failures.Result();
    }
}
