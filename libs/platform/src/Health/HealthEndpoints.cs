using Microsoft.AspNetCore.RateLimiting;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace PocketCode.Platform;

/// <summary>Liveness and readiness endpoints for Cloud Run probes and the local orchestrator.</summary>
public static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>Tag a health check with this to make <c>/health/ready</c> run it (stores, downstream services).</summary>
    public const string ReadyTag = "ready";

    internal static void MapHealthEndpoints(this IEndpointRouteBuilder endpoints)
    {
        // Liveness runs no checks: a failing dependency must not get a healthy process restarted.
        endpoints.MapHealthChecks(LivePath, new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync })
            .AllowAnonymous()
            .DisableRateLimiting()
            .DisableHttpMetrics();
        endpoints.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteAsync,
        })
            .AllowAnonymous()
            .DisableRateLimiting()
            .DisableHttpMetrics();
    }

    internal static bool IsHealthPath(PathString path) =>
        path.StartsWithSegments(LivePath) || path.StartsWithSegments(ReadyPath);

    // Names, statuses, durations and descriptions only: exception messages from a failing store
    // check can carry hosts or credentials, and these endpoints are anonymous.
    internal static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteNumber("totalDurationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            var description = entry.Exception is not null
                ? "The check threw an exception; the service log has the details."
                : entry.Description;
            if (description is { Length: > 0 })
            {
                json.WriteString("description", description);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
