using System.Diagnostics;
using System.Globalization;

namespace PocketCode.ApiProxy;

/// <summary>
/// Start-up timestamps for measuring where a cold start goes: with <c>POCKETCODE_STARTUP_TRACE=1</c>
/// each milestone (host built, listening, first request done) is printed to stderr as milliseconds
/// since the process was spawned. Off by default; costs one environment read when off.
/// </summary>
internal static class StartupTrace
{
    private static readonly bool Enabled = Environment.GetEnvironmentVariable("POCKETCODE_STARTUP_TRACE") == "1";
    private static int _firstRequestDone;

    public static void Mark(string milestone)
    {
        if (!Enabled)
        {
            return;
        }

        var sinceSpawn = DateTime.Now - Process.GetCurrentProcess().StartTime;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"startup-trace {sinceSpawn.TotalMilliseconds:0.0} ms {milestone}"));
    }

    /// <summary>Marks the end of the first request (the middleware is only added when tracing is on).</summary>
    public static void UseStartupTrace(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (!Enabled)
        {
            return;
        }

        app.Lifetime.ApplicationStarted.Register(() => Mark("listening"));
        app.Use(async (context, next) =>
        {
            await next(context);
            if (Interlocked.Exchange(ref _firstRequestDone, 1) == 0)
            {
                Mark($"first request done ({context.Request.Path}, HTTP {context.Response.StatusCode})");
            }
        });
    }
}
