using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PocketCode.Testing;

namespace PocketCode.Bff.Tests.Routing;

/// <summary>
/// A stand-in for an internal service on a real Kestrel socket: echoes whatever reaches it (path,
/// query, method, headers, body) and counts the hits; extra routes come from the caller.
/// </summary>
public sealed class StandIn : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _hits;

    private StandIn(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public int Hits => Volatile.Read(ref _hits);

    public static async Task<StandIn> StartAsync(string name, Action<WebApplication>? routes = null)
    {
        var app = LoopbackServer.Create();
        var standIn = new StandIn(app);
        app.Use(async (context, next) =>
        {
            Interlocked.Increment(ref standIn._hits);
            await next(context);
        });
        routes?.Invoke(app);
        app.MapFallback(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync(context.RequestAborted);
            await context.Response.WriteAsJsonAsync(new Echo(
                name,
                context.Request.Path.Value ?? "",
                context.Request.QueryString.Value ?? "",
                context.Request.Method,
                context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                body));
        });
        await app.StartAsync();
        standIn.Url = app.Urls.First();
        return standIn;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record Echo(string Service, string Path, string Query, string Method, Dictionary<string, string> Headers, string Body);
