using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using PocketCode.ApiProxy.Tests.Infrastructure;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Streaming;

public sealed class StreamingProxyFactory : ProxyFactory
{
    public StreamingProxyFactory()
    {
        // Generous: a test here that waits on itself between two events must not meet the idle
        // cut on a loaded machine. The cut has its own class with a short one.
        Settings["Proxy:StreamIdleTimeout"] = "00:00:30";
        Settings["Proxy:MaxLineBytes"] = "4096";
    }
}

public sealed class IdleStreamProxyFactory : ProxyFactory
{
    public IdleStreamProxyFactory() => Settings["Proxy:StreamIdleTimeout"] = "00:00:01";
}

/// <summary>A provider that goes silent mid-stream is cut after <c>Proxy:StreamIdleTimeout</c>.</summary>
public sealed class StreamIdleTimeoutTests(IdleStreamProxyFactory factory) : IClassFixture<IdleStreamProxyFactory>
{
    [Fact]
    public async Task A_stalled_provider_is_cut_after_the_idle_timeout_with_a_final_error_event()
    {
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            await FakeProvider.SseAsync(context, """{"candidates":[{"content":{"parts":[{"text":"then silence"}]}}]}""");
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        });
        using var client = await factory.CreateClientForAsync("stream-stalled");
        using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("stream-stalled")), HttpCompletionOption.ResponseHeadersRead, Ct);
        var all = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("then silence", all, StringComparison.Ordinal);
        Assert.Contains("event: error", all, StringComparison.Ordinal);
        Assert.Contains("\"code\":504", all, StringComparison.Ordinal);
        Assert.Contains("sent nothing for 1 s", all, StringComparison.Ordinal);
    }
}

/// <summary>Server-sent events are relayed as they arrive, and a stream ends cleanly whatever the provider or client does.</summary>
public sealed class StreamingTests(StreamingProxyFactory factory) : IClassFixture<StreamingProxyFactory>
{
    [Fact]
    public async Task Each_event_reaches_the_client_while_the_provider_is_still_sending()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.Provider.Handler = async context =>
        {
            await FakeProvider.SseAsync(context, """{"candidates":[{"content":{"parts":[{"text":"first"}]}}]}""");
            // Hold the provider's response open until the test has seen the first event.
            await release.Task.WaitAsync(context.RequestAborted);
            await FakeProvider.SseAsync(context, """{"candidates":[{"content":{"parts":[{"text":"second"}]}}],"usageMetadata":{"promptTokenCount":4,"candidatesTokenCount":2}}""");
        };
        try
        {
            using var client = await factory.CreateClientForAsync("stream-live");
            using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("stream-live")), HttpCompletionOption.ResponseHeadersRead, Ct);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.CacheControl?.NoCache);
            Assert.Equal("no", Assert.Single(response.Headers.GetValues("X-Accel-Buffering")));
            Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));

            var first = await ReadEventAsync(reader);
            Assert.Contains("first", first, StringComparison.Ordinal);
            Assert.False(release.Task.IsCompleted);

            release.SetResult();
            var second = await ReadEventAsync(reader);
            Assert.True(second.Contains("second", StringComparison.Ordinal), second);
            Assert.Null(await reader.ReadLineAsync(Ct));
        }
        finally
        {
            release.TrySetResult();
            factory.Provider.Handler = null;
        }

        // The provider was asked for server-sent events.
        Assert.Equal("?alt=sse", Assert.Single(factory.Provider.CallsWith("stream-live")).Query);
    }

    [Fact]
    public async Task A_client_that_disconnects_cancels_the_provider_call()
    {
        var providerCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            await FakeProvider.SseAsync(context, """{"candidates":[{"content":{"parts":[{"text":"only"}]}}]}""");
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                providerCancelled.SetResult();
            }
        });
        using (var client = await factory.CreateClientForAsync("stream-leaver"))
        {
            using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("stream-leaver")), HttpCompletionOption.ResponseHeadersRead, Ct);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
            Assert.Contains("only", await ReadEventAsync(reader), StringComparison.Ordinal);
        }

        // Disposing the response and client closed the connection; the proxy's upstream call must end too.
        await providerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task A_line_without_an_end_longer_than_the_limit_ends_the_stream_with_an_error_event()
    {
        using var answering = factory.Provider.AnswerWith(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"ok\":1}\n\n", context.RequestAborted);
            // A megabyte without a line break, sent in pieces; the proxy must not collect it all.
            var chunk = Encoding.ASCII.GetBytes(new string('x', 8192));
            for (var i = 0; i < 128 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
            }
        });
        using var client = await factory.CreateClientForAsync("stream-long-line");
        using var response = await client.SendAsync(Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("stream-long-line")), HttpCompletionOption.ResponseHeadersRead, Ct);
        var all = await response.Content.ReadAsStringAsync(Ct);

        Assert.StartsWith("data: {\"ok\":1}\n\n", all, StringComparison.Ordinal);
        Assert.Contains("event: error", all, StringComparison.Ordinal);
        Assert.Contains("longer than 4096 bytes", all, StringComparison.Ordinal);
        Assert.True(all.Length < 4096 + 1024, "The over-long line itself must not be relayed.");
    }

    [Fact]
    public async Task The_generate_call_streams_and_the_key_echoed_in_an_event_is_removed()
    {
        using var client = await factory.CreateClientForAsync("stream-generate");
        using var response = await client.SendAsync(Post("/proxy/ai/generate", """{"model":"gemini-2.5-flash","prompt":"stream-generate","stream":true}"""), HttpCompletionOption.ResponseHeadersRead, Ct);
        var all = await response.Content.ReadAsStringAsync(Ct);

        Assert.Equal(3, all.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("received [redacted]", all, StringComparison.Ordinal);
        Assert.DoesNotContain(TestKeys.PlatformGemini, all, StringComparison.Ordinal);
        Assert.Equal("/v1beta/models/gemini-2.5-flash:streamGenerateContent", Assert.Single(factory.Provider.CallsWith("stream-generate")).Path);
    }

    [Fact]
    public async Task An_openai_stream_asks_the_provider_for_usage_and_relays_every_chunk()
    {
        await factory.StoreOwnKeyAsync("stream-openai", "openai", TestKeys.UserOpenAi("stream-openai"));
        using var client = await factory.CreateClientForAsync("stream-openai");
        using var response = await client.SendAsync(Post("/proxy/ai/openai/v1/chat/completions", """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"stream-openai"}]}"""), HttpCompletionOption.ResponseHeadersRead, Ct);
        var all = await response.Content.ReadAsStringAsync(Ct);

        Assert.Contains("data: [DONE]", all, StringComparison.Ordinal);
        Assert.Contains("\"include_usage\":true", Assert.Single(factory.Provider.CallsWith("stream-openai")).Body, StringComparison.Ordinal);
    }

    private static async Task<string> ReadEventAsync(StreamReader reader)
    {
        var text = new StringBuilder();
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.Length == 0)
            {
                if (text.Length > 0)
                {
                    return text.ToString();
                }

                continue;
            }

            text.AppendLine(line);
        }

        return text.ToString();
    }
}
