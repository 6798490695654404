using System.Net;
using Microsoft.AspNetCore.Http;
using System.Text.Json;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Failures;

public sealed class FailureProxyFactory : ProxyFactory
{
    public FailureProxyFactory()
    {
        // Generous: these tests expect answers, and a cold first call on a loaded machine must not
        // turn into a timeout. The timeout has its own class with a short one.
        Settings["Proxy:Timeout"] = "00:00:30";
        Settings["Proxy:MaxRetries"] = "2";
        Settings["Proxy:MaxResponseBytes"] = "4096";
        // Failures on purpose in this class: the breaker must not open between the tests.
        Settings["Proxy:CircuitBreaker:MinimumThroughput"] = "1000";
    }
}

/// <summary>Provider failures become problem responses that name the provider and never the key.</summary>
public sealed class FailureTests(FailureProxyFactory factory) : IClassFixture<FailureProxyFactory>
{
    [Fact]
    public async Task A_provider_500_is_a_502_problem_naming_the_provider_and_is_not_retried()
    {
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            context.Response.StatusCode = 500;
            await context.Response.WriteAsync("internal error for " + FakeProvider.KeyOf(context));
        });
        using var client = await factory.CreateClientForAsync("fail-500");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-500")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "bad_gateway");
        AssertNamesProviderNotKey(problem);
        Assert.Single(factory.Provider.CallsWith("fail-500"));
    }

    [Fact]
    public async Task A_provider_503_is_retried_a_bounded_number_of_times_then_a_503_problem_with_retry_after()
    {
        using var answering = factory.Provider.AnswerWith(context =>
        {
            context.Response.StatusCode = 503;
            context.Response.Headers.RetryAfter = "0";
            return Task.CompletedTask;
        });
        using var client = await factory.CreateClientForAsync("fail-503");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-503")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
        AssertNamesProviderNotKey(problem);
        Assert.Equal(3, factory.Provider.CallsWith("fail-503").Count());
    }

    [Fact]
    public async Task A_provider_429_that_clears_is_retried_and_answers()
    {
        var attempts = 0;
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            if (Interlocked.Increment(ref attempts) == 1)
            {
                context.Response.StatusCode = 429;
                context.Response.Headers.RetryAfter = "0";
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(FakeProvider.GeminiJson(FakeProvider.KeyOf(context)));
        });
        using var client = await factory.CreateClientForAsync("fail-429");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-429")), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, factory.Provider.CallsWith("fail-429").Count());
    }

    [Fact]
    public async Task A_streamed_call_answered_503_is_not_retried()
    {
        using var answering = factory.Provider.AnswerWith(context =>
        {
            context.Response.StatusCode = 503;
            return Task.CompletedTask;
        });
        using var client = await factory.CreateClientForAsync("fail-stream-503");
        using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("fail-stream-503")), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.ServiceUnavailable, "service_unavailable");
        Assert.Single(factory.Provider.CallsWith("fail-stream-503"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_provider_answer_over_the_size_limit_is_a_502_problem(bool announcesLength)
    {
        var oversized = new string('x', 5000);
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            context.Response.ContentType = "application/json";
            if (announcesLength)
            {
                context.Response.ContentLength = oversized.Length + 2;
            }

            await context.Response.WriteAsync("\"" + oversized + "\"");
        });
        using var client = await factory.CreateClientForAsync("fail-large");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-large")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "bad_gateway");
        AssertNamesProviderNotKey(problem);
        Assert.Contains("larger than 4096 bytes", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_provider_answer_shorter_than_announced_is_a_502_problem()
    {
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("{\"candidates\":");
            await context.Response.Body.FlushAsync();
            // Gone before the announced length: the connection is cut mid-body.
            context.Abort();
        });
        using var client = await factory.CreateClientForAsync("fail-short");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-short")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "bad_gateway");
        AssertNamesProviderNotKey(problem);
        Assert.Contains("broke off", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    internal static void AssertNamesProviderNotKey(JsonElement problem)
    {
        Assert.Equal("gemini", problem.GetProperty("provider").GetString());
        Assert.Contains("gemini", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.PlatformGemini, problem.GetRawText(), StringComparison.Ordinal);
    }
}

public sealed class TimeoutProxyFactory : ProxyFactory
{
    public TimeoutProxyFactory()
    {
        Settings["Proxy:Timeout"] = "00:00:01";
        Settings["Proxy:MaxRetries"] = "0";
    }
}

/// <summary>A provider that does not answer within <c>Proxy:Timeout</c>.</summary>
public sealed class ProviderTimeoutTests(TimeoutProxyFactory factory) : IClassFixture<TimeoutProxyFactory>
{
    [Fact]
    public async Task A_provider_that_does_not_answer_in_time_is_a_504_problem()
    {
        using var answering = factory.Provider.AnswerWith(context => Task.Delay(Timeout.Infinite, context.RequestAborted));
        using var client = await factory.CreateClientForAsync("fail-timeout");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-timeout")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.GatewayTimeout, "gateway_timeout");
        FailureTests.AssertNamesProviderNotKey(problem);
    }
}

public sealed class RefusingProxyFactory : ProxyFactory
{
    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        // Nothing listens there: every connection is refused.
        Settings["Providers:Gemini:BaseUrl"] = RefusingUrl();
    }
}

public sealed class ConnectionRefusedTests(RefusingProxyFactory factory) : IClassFixture<RefusingProxyFactory>
{
    [Fact]
    public async Task A_provider_that_refuses_the_connection_is_a_502_problem_naming_it()
    {
        using var client = await factory.CreateClientForAsync("fail-refused");
        using var response = await client.SendAsync(Post(GeminiPath(), GeminiBody("fail-refused")), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway, "bad_gateway");
        Assert.Equal("gemini", problem.GetProperty("provider").GetString());
        Assert.Contains("could not be reached", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.PlatformGemini, problem.GetRawText(), StringComparison.Ordinal);
    }
}
