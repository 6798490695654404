using System.Net;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Security;

/// <summary>The proxy with the log levels it ships with (appsettings.json), not the tests' Trace.</summary>
public sealed class ShippedLoggingProxyFactory : ProxyFactory
{
    public ShippedLoggingProxyFactory()
    {
        foreach (var key in Settings.Keys.Where(k => k.StartsWith("Logging:", StringComparison.Ordinal)).ToList())
        {
            Settings.Remove(key);
        }
    }
}

/// <summary>
/// A successful AI call writes no log line at the shipped levels: Polly's "Execution attempt" and
/// the HttpClient factory's request lines are Information, one or more per call, and at that rate
/// they cost about a third of the proxy's throughput (docs/benchmarks.md, "API proxy"). A call the
/// resilience pipeline handles (a provider 503, retried) is still logged as a warning.
/// </summary>
public sealed class ShippedLoggingTests(ShippedLoggingProxyFactory factory) : IClassFixture<ShippedLoggingProxyFactory>
{
    [Fact]
    public async Task Successful_calls_write_no_per_call_line_and_a_retried_one_still_warns()
    {
        using var client = await factory.CreateClientForAsync("shipped-logs");
        using (var first = await client.SendAsync(Post(GeminiPath(), GeminiBody("shipped-logs-0")), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        var before = factory.Logs.Lines.Count;
        for (var i = 1; i <= 3; i++)
        {
            using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody($"shipped-logs-{i}")), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var perCall = factory.Logs.Lines.Skip(before)
            .Where(line => line.StartsWith("Polly ", StringComparison.Ordinal) || line.StartsWith("System.Net.Http", StringComparison.Ordinal))
            .ToList();
        Assert.True(perCall.Count == 0, "Lines written for successful calls:\n" + string.Join('\n', perCall));

        using (factory.Provider.AnswerWith(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        }))
        {
            using var unavailable = await client.SendAsync(Post(GeminiPath(), GeminiBody("shipped-logs-503")), Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        }

        Assert.Contains(factory.Logs.Lines, line => line.StartsWith("Polly Warning: ", StringComparison.Ordinal) && line.Contains("Handled: 'True'", StringComparison.Ordinal));
    }
}
