using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PocketCode.Testing;

namespace PocketCode.ApiProxy.Tests.Infrastructure;

/// <summary>What the stand-in provider received.</summary>
public sealed record ReceivedCall(string Path, string Query, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>
/// A real HTTP server on 127.0.0.1 standing in for Gemini and an OpenAI-compatible API. It records
/// every request and answers like the provider (usage metadata included); a test can replace the
/// answer with <see cref="Handler"/>. The answers echo the key they received in an unknown member,
/// as a careless provider might, so tests can prove the proxy strips it.
/// </summary>
public sealed class FakeProvider : IAsyncDisposable
{
    public const string GeminiAnswer = "Hello from the stand-in";

    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedCall> _calls = new();

    private FakeProvider(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public IReadOnlyCollection<ReceivedCall> Calls => _calls;

    /// <summary>Replaces the default answer (after the request was recorded); null restores it.</summary>
    public Func<HttpContext, Task>? Handler { get; set; }

    /// <summary>
    /// Answers with <paramref name="handler"/> until the result is disposed, which restores the
    /// default answer even when the test fails: <c>using var answering = Provider.AnswerWith(...)</c>.
    /// </summary>
    public IDisposable AnswerWith(Func<HttpContext, Task> handler)
    {
        Handler = handler;
        return new DefaultAnswerRestorer(this);
    }

    public IEnumerable<ReceivedCall> CallsWith(string marker) => _calls.Where(c => c.Body.Contains(marker, StringComparison.Ordinal));

    public static async Task<FakeProvider> StartAsync()
    {
        var app = LoopbackServer.Create();
        var provider = new FakeProvider(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            provider._calls.Enqueue(new ReceivedCall(
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body));
            if (provider.Handler is { } handler)
            {
                await handler(context);
            }
            else
            {
                await DefaultAsync(context);
            }
        });
        await app.StartAsync();
        provider.Url = app.Urls.First();
        return provider;
    }

    public static string KeyOf(HttpContext context) =>
        context.Request.Headers["x-goog-api-key"].ToString() is { Length: > 0 } google ? google : context.Request.Headers.Authorization.ToString().Replace("Bearer ", "", StringComparison.Ordinal);

    public static string GeminiJson(string key, int promptTokens = 10, int outputTokens = 5) =>
        $$$"""{"candidates":[{"content":{"role":"model","parts":[{"text":"{{{GeminiAnswer}}}"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":{{{promptTokens}}},"candidatesTokenCount":{{{outputTokens}}},"totalTokenCount":{{{promptTokens + outputTokens}}}},"modelVersion":"stand-in","futureField":{"kept":true},"debug":"received {{{key}}}"}""";

    public static async Task SseAsync(HttpContext context, params string[] events)
    {
        if (!context.Response.HasStarted)
        {
            context.Response.ContentType = "text/event-stream";
        }

        foreach (var data in events)
        {
            await context.Response.WriteAsync("data: " + data + "\r\n\r\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }

    private static async Task DefaultAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var key = KeyOf(context);
        if (path.EndsWith(":streamGenerateContent", StringComparison.Ordinal))
        {
            await SseAsync(
                context,
                """{"candidates":[{"content":{"role":"model","parts":[{"text":"Hel"}]}}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":1}}""",
                """{"candidates":[{"content":{"role":"model","parts":[{"text":"lo"}]}}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":2}}""",
                $$$"""{"candidates":[{"content":{"role":"model","parts":[{"text":"!"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":3},"debug":"received {{{key}}}"}""");
        }
        else if (path.EndsWith(":countTokens", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"totalTokens":4}""");
        }
        else if (path.EndsWith(":embedContent", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("""{"embedding":{"values":[0.1,0.2]}}""");
        }
        else if (path.EndsWith("/chat/completions", StringComparison.Ordinal))
        {
            if (context.Request.Headers.Accept.ToString().Contains("text/event-stream", StringComparison.Ordinal))
            {
                await SseAsync(
                    context,
                    """{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}]}""",
                    """{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}""",
                    "[DONE]");
            }
            else
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync($$$"""{"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"}}],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10},"debug":"received {{{key}}}"}""");
            }
        }
        else
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(GeminiJson(key), Encoding.UTF8);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Puts a <see cref="FakeProvider"/> back on its default answer (see <see cref="FakeProvider.AnswerWith"/>).</summary>
internal sealed class DefaultAnswerRestorer(FakeProvider provider) : IDisposable
{
    public void Dispose() => provider.Handler = null;
}
