using System.Net;
using System.Net.Http.Json;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Usage;

/// <summary><c>GET /proxy/v1/usage</c>: each user reads their own record only.</summary>
public sealed class UsageTests(ProxyFactory factory) : IClassFixture<ProxyFactory>
{
    [Fact]
    public async Task The_usage_record_counts_requests_tokens_and_cache_hits_and_only_its_owner_sees_it()
    {
        using var alice = await factory.CreateClientForAsync("usage-alice");
        using (var miss = await alice.SendAsync(Post(GeminiPath(), GeminiBody("usage-a")), Ct))
        using (var hit = await alice.SendAsync(Post(GeminiPath(), GeminiBody("usage-a")), Ct))
        using (var stream = await alice.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("usage-b")), Ct))
        {
            Assert.Equal("HIT", Assert.Single(hit.Headers.GetValues("X-Cache")));
            _ = await stream.Content.ReadAsStringAsync(Ct);
        }

        var counted = await Limits.BudgetTests.UsageAfterAsync(alice, 3);
        var mine = await alice.GetFromJsonAsync<UsageBody>("/proxy/v1/usage", Ct);
        Assert.Equal(3, counted.Requests);
        // generateContent 10 + 5 tokens, the hit none, the stream's last chunk 10 + 3.
        Assert.Equal(new UsageBody(DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), 3, 20, 8, 1, 28), mine);

        using var bob = await factory.CreateClientForAsync("usage-bob");
        var theirs = await bob.GetFromJsonAsync<UsageBody>("/proxy/v1/usage", Ct);
        Assert.Equal(0, theirs!.Requests);
        Assert.Equal(0, theirs.InputTokens);
    }

    [Fact]
    public async Task Another_day_can_be_asked_for_and_a_bad_date_is_a_400_problem()
    {
        using var client = await factory.CreateClientForAsync("usage-days");

        var past = await client.GetFromJsonAsync<UsageBody>("/proxy/v1/usage?date=2020-01-01", Ct);
        using var bad = await client.GetAsync("/proxy/v1/usage?date=yesterday", Ct);

        Assert.Equal(new UsageBody("2020-01-01", 0, 0, 0, 0, 0), past);
        await ProblemAssert.IsProblemAsync(bad, HttpStatusCode.BadRequest, "validation_failed");
    }

    [Fact]
    public async Task Usage_needs_a_token()
    {
        using var anonymous = factory.CreateClient();
        using var response = await anonymous.GetAsync("/proxy/v1/usage", Ct);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "unauthorized");
    }

    public sealed record UsageBody(string Date, long Requests, long InputTokens, long OutputTokens, long CacheHits, long PlatformTokens);
}
