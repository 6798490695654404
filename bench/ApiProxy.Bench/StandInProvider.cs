namespace PocketCode.ApiProxy.Bench;

/// <summary>A Gemini stand-in on 127.0.0.1 with fixed answers, so only the HTTP path is measured.</summary>
internal sealed class StandInProvider : IAsyncDisposable
{
    public const string PlatformKey = "AIzaBENCH-platform-key";

    public const string RequestBody = """{"contents":[{"role":"user","parts":[{"text":"Write a haiku about latency."}]}],"generationConfig":{"temperature":0.2,"maxOutputTokens":128}}""";

    private const string Answer = """{"candidates":[{"content":{"role":"model","parts":[{"text":"Packets cross the wire,\na proxy adds a heartbeat,\nthe answer arrives."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":21,"totalTokenCount":30},"modelVersion":"bench-model"}""";

    private readonly WebApplication _app;

    private StandInProvider(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public static async Task<StandInProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var answer = System.Text.Encoding.UTF8.GetBytes(Answer);
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            if (context.Request.Path.Value?.EndsWith(":streamGenerateContent", StringComparison.Ordinal) == true)
            {
                context.Response.ContentType = "text/event-stream";
                for (var i = 0; i < 5; i++)
                {
                    await context.Response.WriteAsync("data: " + Answer + "\r\n\r\n");
                    await context.Response.Body.FlushAsync();
                }

                return;
            }

            context.Response.ContentType = "application/json; charset=UTF-8";
            context.Response.ContentLength = answer.Length;
            await context.Response.Body.WriteAsync(answer);
        });
        await app.StartAsync();
        var stand = new StandInProvider(app) { Url = app.Urls.First() };
        return stand;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
