using System.Net;
using Microsoft.AspNetCore.Http;
using System.Net.Http.Json;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Limits;

public sealed class RateLimitedProxyFactory : ProxyFactory
{
    public RateLimitedProxyFactory()
    {
        Settings["Proxy:RateLimit:TokenLimit"] = "3";
        Settings["Proxy:RateLimit:TokensPerPeriod"] = "3";
        Settings["Proxy:RateLimit:ReplenishmentPeriod"] = "01:00:00";
    }
}

/// <summary>The per-user token bucket.</summary>
public sealed class RateLimitTests(RateLimitedProxyFactory factory) : IClassFixture<RateLimitedProxyFactory>
{
    [Fact]
    public async Task The_call_over_the_limit_is_a_429_problem_with_retry_after_and_reaches_no_provider()
    {
        using var client = await factory.CreateClientForAsync("rate-alice");
        for (var i = 0; i < 3; i++)
        {
            using var allowed = await client.SendAsync(Post(GeminiPath(), GeminiBody($"rate-ok-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await client.SendAsync(Post(GeminiPath(), GeminiBody("rate-over")), Ct);

        await ProblemAssert.IsProblemAsync(refused, (HttpStatusCode)429, "rate_limited");
        var retryAfter = Assert.Single(refused.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        Assert.Empty(factory.Provider.CallsWith("rate-over"));

        // The bucket is the user's own: someone else is not limited by alice's calls.
        using var bob = await factory.CreateClientForAsync("rate-bob");
        using var other = await bob.SendAsync(Post(GeminiPath(), GeminiBody("rate-bob")), Ct);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }
}

public sealed class BudgetProxyFactory : ProxyFactory
{
    public BudgetProxyFactory() => BudgetSettings.Apply(Settings);
}

public sealed class FirestoreBudgetProxyFactory : FirestoreProxyFactory
{
    public FirestoreBudgetProxyFactory() => BudgetSettings.Apply(Settings);
}

internal static class BudgetSettings
{
    /// <summary>A default Gemini answer costs 15 tokens (10 in, 5 out), so 50 of them fit in the budget.</summary>
    public static void Apply(Dictionary<string, string?> settings)
    {
        settings["Proxy:DailyTokenBudget"] = "1000";
        settings["Proxy:Cache:Enabled"] = "false";
    }
}

/// <summary>The daily platform-key budget and the usage counters, on one document store.</summary>
public abstract class BudgetTests
{
    protected abstract FakeProvider Provider { get; }

    protected abstract Task<HttpClient> ClientForAsync(string uid);

    protected abstract Task StoreOwnKeyAsync(string uid);

    [Fact]
    public async Task A_call_after_the_budget_is_spent_is_a_429_problem_with_retry_after()
    {
        using var client = await ClientForAsync("budget-spender");
        // 600 tokens a call: the first two calls start under the budget of 1000, the third does not.
        using var answering = Provider.AnswerWith(async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(FakeProvider.GeminiJson(FakeProvider.KeyOf(context), promptTokens: 400, outputTokens: 200));
        });
        for (var i = 0; i < 2; i++)
        {
            using var allowed = await client.SendAsync(Post(GeminiPath(), GeminiBody($"budget-ok-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Usage is written as each response completes; the budget check reads what is written.
        await UsageAfterAsync(client, 2);
        using var refused = await client.SendAsync(Post(GeminiPath(), GeminiBody("budget-over")), Ct);

        await ProblemAssert.IsProblemAsync(refused, (HttpStatusCode)429, "ai_budget_exceeded");
        var retryAfter = int.Parse(Assert.Single(refused.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 86400);
        Assert.Empty(Provider.CallsWith("budget-over"));

        var usage = await UsageAfterAsync(client, 2);
        Assert.Equal(new UsageBody(2, 800, 400, 0, 1200, 1000, 0), usage! with { Date = null });
    }

    [Fact]
    public async Task A_user_on_their_own_key_is_not_charged_against_the_platform_budget()
    {
        await StoreOwnKeyAsync("budget-own");
        using var client = await ClientForAsync("budget-own");
        for (var i = 0; i < 4; i++)
        {
            using var allowed = await client.SendAsync(Post(GeminiPath(), GeminiBody($"budget-own-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        var usage = await UsageAfterAsync(client, 4);
        Assert.Equal(new UsageBody(4, 40, 20, 0, 0, 1000, 1000), usage! with { Date = null });
    }

    [Fact]
    public async Task The_counters_are_exact_after_50_concurrent_calls()
    {
        await StoreOwnKeyAsync("budget-concurrent");
        using var client = await ClientForAsync("budget-concurrent");

        var calls = Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody($"budget-concurrent-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await Task.WhenAll(calls);

        var usage = await UsageAfterAsync(client, 50);
        Assert.Equal(new UsageBody(50, 500, 250, 0, 0, 1000, 1000), usage! with { Date = null });
    }

    [Fact]
    public async Task The_platform_budget_counter_is_exact_after_50_concurrent_calls()
    {
        using var client = await ClientForAsync("budget-concurrent-platform");

        var calls = Enumerable.Range(0, 50).Select(async i =>
        {
            using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody($"budget-platform-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        });
        await Task.WhenAll(calls);

        var usage = await UsageAfterAsync(client, 50);
        Assert.Equal(new UsageBody(50, 500, 250, 0, 750, 1000, 250), usage! with { Date = null });
    }

    /// <summary>
    /// The usage record once it counts <paramref name="requests"/> requests. A call's usage is
    /// written just after its response is complete (the client does not wait for it), so the
    /// record may trail the last response by a moment; then every counter must be exact.
    /// </summary>
    internal static async Task<UsageBody> UsageAfterAsync(HttpClient client, long requests)
    {
        UsageBody? usage = null;
        for (var i = 0; i < 300 && usage?.Requests != requests; i++)
        {
            if (usage is not null)
            {
                await Task.Delay(50, Ct);
            }

            usage = await client.GetFromJsonAsync<UsageBody>("/proxy/v1/usage", Ct);
        }

        return usage!;
    }

    public sealed record UsageBody(long Requests, long InputTokens, long OutputTokens, long CacheHits, long PlatformTokens, long? DailyTokenBudget, long? RemainingPlatformTokens)
    {
        public string? Date { get; init; }
    }
}

public sealed class SqliteBudgetTests(BudgetProxyFactory factory) : BudgetTests, IClassFixture<BudgetProxyFactory>
{
    protected override FakeProvider Provider => factory.Provider;

    protected override Task<HttpClient> ClientForAsync(string uid) => factory.CreateClientForAsync(uid);

    protected override Task StoreOwnKeyAsync(string uid) => factory.StoreOwnKeyAsync(uid, "gemini", TestKeys.UserGemini(uid));
}

public sealed class FirestoreBudgetTests(FirestoreBudgetProxyFactory factory) : BudgetTests, IClassFixture<FirestoreBudgetProxyFactory>
{
    protected override FakeProvider Provider => factory.Provider;

    protected override Task<HttpClient> ClientForAsync(string uid) => factory.CreateClientForAsync(uid);

    protected override Task StoreOwnKeyAsync(string uid) =>
        ProxyTestSettings.StoreOwnKeyAsync(factory.Services, uid, "gemini", TestKeys.UserGemini(uid), factory.Provider.Url);
}
