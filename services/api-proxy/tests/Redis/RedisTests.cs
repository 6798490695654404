using System.Net;
using Microsoft.AspNetCore.Hosting;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Redis;

/// <summary>A proxy instance with <c>Redis:ConnectionString</c> set (read at start-up, like the environment variable).</summary>
public sealed class RedisProxyFactory(string redis) : ProxyFactory
{
    public static async Task<RedisProxyFactory> StartAsync(string redis, FakeProvider? shared = null)
    {
        var factory = new RedisProxyFactory(redis) { SharedProvider = shared };
        factory.Settings["Proxy:RateLimit:TokenLimit"] = "2";
        factory.Settings["Proxy:RateLimit:TokensPerPeriod"] = "2";
        factory.Settings["Proxy:RateLimit:ReplenishmentPeriod"] = "01:00:00";
        await factory.InitializeAsync();
        return factory;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Redis:ConnectionString", redis);
    }
}

/// <summary>
/// Two proxy instances (two hosts) on one real redis-server: the response cache and the rate limit
/// are shared through it; with Redis unreachable the proxy keeps serving from memory.
/// </summary>
public sealed class RedisTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [Fact]
    public async Task A_second_instance_answers_from_the_cache_the_first_one_filled()
    {
        await using var a = await RedisProxyFactory.StartAsync(redis.ConnectionString);
        await using var b = await RedisProxyFactory.StartAsync(redis.ConnectionString, a.Provider);
        using var onA = await a.CreateClientForAsync("redis-cache-user");
        using var onB = await b.CreateClientForAsync("redis-cache-user");
        var marker = "redis-shared-cache-" + Guid.NewGuid();
        var body = GeminiBody(marker);

        using var first = await onA.SendAsync(Post(GeminiPath(), body), Ct);
        using var second = await onB.SendAsync(Post(GeminiPath(), body), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("MISS", Assert.Single(first.Headers.GetValues("X-Cache")));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("HIT", Assert.Single(second.Headers.GetValues("X-Cache")));
        Assert.Equal(await first.Content.ReadAsStringAsync(Ct), await second.Content.ReadAsStringAsync(Ct));
        Assert.Single(a.Provider.CallsWith(marker));
    }

    [Fact]
    public async Task Calls_spent_on_one_instance_count_on_the_other()
    {
        await using var a = await RedisProxyFactory.StartAsync(redis.ConnectionString);
        await using var b = await RedisProxyFactory.StartAsync(redis.ConnectionString, a.Provider);
        var uid = "redis-rate-" + Guid.NewGuid().ToString("N");
        using var onA = await a.CreateClientForAsync(uid);
        using var onB = await b.CreateClientForAsync(uid);

        for (var i = 0; i < 2; i++)
        {
            using var allowed = await onA.SendAsync(Post(GeminiPath(), GeminiBody($"redis-rate-{uid}-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await onB.SendAsync(Post(GeminiPath(), GeminiBody($"redis-rate-{uid}-over")), Ct);

        await ProblemAssert.IsProblemAsync(refused, (HttpStatusCode)429, "rate_limited");
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Empty(a.Provider.CallsWith($"redis-rate-{uid}-over"));

        // Another user's bucket is untouched.
        using var other = await b.CreateClientForAsync(uid + "-other");
        using var fine = await other.SendAsync(Post(GeminiPath(), GeminiBody($"redis-rate-{uid}-other")), Ct);
        Assert.Equal(HttpStatusCode.OK, fine.StatusCode);
    }

    [Fact]
    public async Task With_redis_unreachable_the_proxy_serves_from_memory_and_logs_a_warning()
    {
        // Nothing listens on port 1.
        await using var proxy = await RedisProxyFactory.StartAsync("127.0.0.1:1,connectTimeout=500");
        using var client = await proxy.CreateClientForAsync("redis-down-user");
        var body = GeminiBody("redis-down-" + Guid.NewGuid());

        using var first = await client.SendAsync(Post(GeminiPath(), body), Ct);
        using var second = await client.SendAsync(Post(GeminiPath(), body), Ct);
        // The per-instance fallback bucket still limits (2 calls per hour in this factory; a hit counts).
        using var refused = await client.SendAsync(Post(GeminiPath(), GeminiBody("redis-down-over")), Ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("HIT", Assert.Single(second.Headers.GetValues("X-Cache")));
        Assert.Equal((HttpStatusCode)429, refused.StatusCode);
        Assert.Contains(proxy.Logs.Lines, line => line.Contains("Redis is unreachable", StringComparison.Ordinal));
    }
}
