namespace PocketCode.Load.Bench;

/// <summary>A Gemini stand-in on 127.0.0.1 with a fixed answer; counts the calls it answered.</summary>
internal sealed class StandInGemini : IAsyncDisposable
{
    public const int PromptTokens = 9;
    public const int OutputTokens = 21;

    private const string Answer = """{"candidates":[{"content":{"role":"model","parts":[{"text":"Hello from the load stand-in."}]},"finishReason":"STOP","index":0}],"usageMetadata":{"promptTokenCount":9,"candidatesTokenCount":21,"totalTokenCount":30},"modelVersion":"load-model"}""";

    private readonly WebApplication _app;
    private long _calls;

    private StandInGemini(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public long Calls => Interlocked.Read(ref _calls);

    public static async Task<StandInGemini> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stand = new StandInGemini(app);
        var answer = System.Text.Encoding.UTF8.GetBytes(Answer);
        app.Run(async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null);
            Interlocked.Increment(ref stand._calls);
            context.Response.ContentType = "application/json; charset=UTF-8";
            context.Response.ContentLength = answer.Length;
            await context.Response.Body.WriteAsync(answer);
        });
        await app.StartAsync();
        stand.Url = app.Urls.First();
        return stand;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
