using System.Net;
using Microsoft.AspNetCore.Http;
using PocketCode.ApiProxy.Tests.Infrastructure;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Caching;

/// <summary>The response cache: per-user scope by default, HIT/MISS header, client bypass, errors never cached.</summary>
public sealed class CacheTests(ProxyFactory factory) : IClassFixture<ProxyFactory>
{
    [Fact]
    public async Task A_second_identical_call_is_a_hit_that_never_reaches_the_provider()
    {
        using var client = await factory.CreateClientForAsync("cache-alice");

        using var first = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-same")), Ct);
        var firstBody = await first.Content.ReadAsStringAsync(Ct);
        // The same body with members in another order and other spacing is the same call.
        using var second = await client.SendAsync(Post(GeminiPath(), """{ "unknownMember": {"kept": [1, 2]}, "generationConfig": {"temperature": 0.2}, "contents": [{"parts": [{"text": "cache-same"}], "role": "user"}] }"""), Ct);
        var secondBody = await second.Content.ReadAsStringAsync(Ct);

        Assert.Equal("MISS", Assert.Single(first.Headers.GetValues("X-Cache")));
        Assert.Equal("HIT", Assert.Single(second.Headers.GetValues("X-Cache")));
        Assert.Equal(firstBody, secondBody);
        Assert.Single(factory.Provider.CallsWith("cache-same"));
    }

    [Fact]
    public async Task Another_users_identical_call_is_a_miss_under_the_per_user_scope()
    {
        using var alice = await factory.CreateClientForAsync("cache-scope-alice");
        using var bob = await factory.CreateClientForAsync("cache-scope-bob");

        using var first = await alice.SendAsync(Post(GeminiPath(), GeminiBody("cache-scope")), Ct);
        using var other = await bob.SendAsync(Post(GeminiPath(), GeminiBody("cache-scope")), Ct);

        Assert.Equal("MISS", Assert.Single(first.Headers.GetValues("X-Cache")));
        Assert.Equal("MISS", Assert.Single(other.Headers.GetValues("X-Cache")));
        Assert.Equal(2, factory.Provider.CallsWith("cache-scope").Count());
    }

    [Fact]
    public async Task A_provider_error_is_not_cached()
    {
        using var client = await factory.CreateClientForAsync("cache-error");
        using (factory.Provider.AnswerWith(async context =>
        {
            context.Response.StatusCode = 400;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}""");
        }))
        {
            using var failed = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-error")), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, failed.StatusCode);
            Assert.Contains("INVALID_ARGUMENT", await failed.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using var retried = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-error")), Ct);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("MISS", Assert.Single(retried.Headers.GetValues("X-Cache")));
        Assert.Equal(2, factory.Provider.CallsWith("cache-error").Count());
    }

    [Fact]
    public async Task A_5xx_is_not_cached_either()
    {
        using var client = await factory.CreateClientForAsync("cache-5xx");
        using (factory.Provider.AnswerWith(context =>
        {
            context.Response.StatusCode = 500;
            return Task.CompletedTask;
        }))
        {
            using var failed = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-5xx")), Ct);
            Assert.Equal(HttpStatusCode.BadGateway, failed.StatusCode);
        }

        using var retried = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-5xx")), Ct);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("MISS", Assert.Single(retried.Headers.GetValues("X-Cache")));
    }

    [Fact]
    public async Task Cache_control_no_cache_from_the_client_bypasses_the_cache()
    {
        using var client = await factory.CreateClientForAsync("cache-bypass");

        using var first = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-bypass")), Ct);
        using var bypass = await client.SendAsync(Post(GeminiPath(), GeminiBody("cache-bypass"), "no-cache"), Ct);

        Assert.Equal("MISS", Assert.Single(bypass.Headers.GetValues("X-Cache")));
        Assert.Equal(2, factory.Provider.CallsWith("cache-bypass").Count());
    }

    [Fact]
    public async Task Streams_are_never_cached()
    {
        using var client = await factory.CreateClientForAsync("cache-stream");

        for (var i = 0; i < 2; i++)
        {
            using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("cache-stream")), Ct);
            Assert.False(response.Headers.Contains("X-Cache"));
        }

        Assert.Equal(2, factory.Provider.CallsWith("cache-stream").Count());
    }
}

public sealed class SharedCacheProxyFactory : ProxyFactory
{
    public SharedCacheProxyFactory() => Settings["Proxy:Cache:Scope"] = "Shared";
}

public sealed class SharedCacheTests(SharedCacheProxyFactory factory) : IClassFixture<SharedCacheProxyFactory>
{
    [Fact]
    public async Task With_the_shared_scope_another_users_identical_call_is_a_hit()
    {
        using var alice = await factory.CreateClientForAsync("shared-alice");
        using var bob = await factory.CreateClientForAsync("shared-bob");

        using var first = await alice.SendAsync(Post(GeminiPath(), GeminiBody("cache-shared")), Ct);
        using var other = await bob.SendAsync(Post(GeminiPath(), GeminiBody("cache-shared")), Ct);

        Assert.Equal("MISS", Assert.Single(first.Headers.GetValues("X-Cache")));
        Assert.Equal("HIT", Assert.Single(other.Headers.GetValues("X-Cache")));
        Assert.Single(factory.Provider.CallsWith("cache-shared"));
    }
}
