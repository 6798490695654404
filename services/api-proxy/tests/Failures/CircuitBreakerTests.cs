using System.Net;
using Microsoft.AspNetCore.Http;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Failures;

public sealed class BreakerProxyFactory : ProxyFactory
{
    public BreakerProxyFactory()
    {
        Settings["Proxy:Timeout"] = "00:00:01";
        Settings["Proxy:MaxRetries"] = "0";
        Settings["Proxy:CircuitBreaker:FailureRatio"] = "0.5";
        Settings["Proxy:CircuitBreaker:MinimumThroughput"] = "4";
        Settings["Proxy:CircuitBreaker:SamplingDuration"] = "00:01:00";
        // Long enough that the calls made while it is open all fall inside the break, short enough for CI.
        Settings["Proxy:CircuitBreaker:BreakDuration"] = "00:00:05";
    }
}

/// <summary>
/// A slow and failing provider opens the proxy's circuit: callers then get 503 problems naming the
/// provider without the provider being called at all, and after the break a half-open probe that
/// succeeds closes it again.
/// </summary>
public sealed class CircuitBreakerTests(BreakerProxyFactory factory) : IClassFixture<BreakerProxyFactory>
{
    [Fact]
    public async Task A_slow_and_failing_provider_opens_the_circuit_callers_get_503s_without_reaching_it_and_it_recovers()
    {
        // Odd calls fail with 500, even ones hang past the proxy's timeout.
        var seen = 0;
        factory.Provider.Handler = async context =>
        {
            if (Interlocked.Increment(ref seen) % 2 == 1)
            {
                context.Response.StatusCode = 500;
                return;
            }

            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        };
        using var client = await factory.CreateClientForAsync("breaker-user");
        var n = 0;
        async Task<HttpResponseMessage> CallAsync() =>
            await client.SendAsync(Post(GeminiPath(), GeminiBody($"breaker-call-{Interlocked.Increment(ref n)}")), Ct);

        // 1. Failures (502 for the 500s, 504 for the timeouts) until the breaker opens.
        var failures = new List<HttpStatusCode>();
        while (true)
        {
            using var response = await CallAsync();
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                var opened = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
                Assert.Equal("gemini", opened.GetProperty("provider").GetString());
                break;
            }

            failures.Add(response.StatusCode);
            Assert.True(failures.Count < 20, "The circuit never opened: " + string.Join(", ", failures));
        }

        Assert.Contains(HttpStatusCode.BadGateway, failures);
        Assert.Contains(HttpStatusCode.GatewayTimeout, failures);

        // 2. While open: 503 problems naming the provider, with Retry-After, and no call reaches it.
        var callsWhenOpen = factory.Provider.Calls.Count;
        for (var i = 0; i < 5; i++)
        {
            using var response = await CallAsync();
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal("gemini", problem.GetProperty("provider").GetString());
            Assert.Contains("gemini", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.DoesNotContain(TestKeys.PlatformGemini, problem.GetRawText(), StringComparison.Ordinal);
        }

        Assert.Equal(callsWhenOpen, factory.Provider.Calls.Count);

        // 3. The provider recovers; after the break the first call through is the half-open probe, it
        // succeeds and the circuit closes (the loop's timeout is only a failure guard).
        factory.Provider.Handler = null;
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            using var response = await CallAsync();
            if (response.StatusCode == HttpStatusCode.OK)
            {
                break;
            }

            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            Assert.Equal(callsWhenOpen, factory.Provider.Calls.Count);
            await Task.Delay(250, guard.Token);
        }

        Assert.Equal(callsWhenOpen + 1, factory.Provider.Calls.Count);
        using var closed = await CallAsync();
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);
        Assert.Equal(callsWhenOpen + 2, factory.Provider.Calls.Count);
    }
}
