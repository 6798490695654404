using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Proxy;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Usage;

/// <summary><c>GET /proxy/v1/usage</c>: the caller's own AI usage of one UTC day and their budget.</summary>
internal static class UsageEndpoints
{
    public const string Route = "/proxy/v1/usage";

    /// <summary>The usage store and the recorder that batches counts in memory and writes them out.</summary>
    public static IServiceCollection AddUsage(this IServiceCollection services)
    {
        services.TryAddSingleton<UsageStore>();
        if (!services.Any(d => d.ServiceType == typeof(UsageRecorder)))
        {
            services.AddSingleton<UsageRecorder>();
            services.AddHostedService(sp => sp.GetRequiredService<UsageRecorder>());
        }

        return services;
    }

    public static RouteGroupBuilder MapUsage(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(Route);
        group.MapGet("", GetAsync)
            .WithName("GetAiUsage")
            .WithSummary("The caller's AI usage on one UTC day (default today): requests, tokens, cache hits and the platform budget.");
        return group;
    }

    private static async Task<Ok<UsageResponse>> GetAsync(string? date, ICurrentUser user, UsageStore usage, UsageRecorder recorder, IOptions<ProxyOptions> options, CancellationToken cancellationToken)
    {
        var day = usage.Today;
        if (!string.IsNullOrEmpty(date) && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            throw FieldErrors.Invalid("date", "'date' must be a UTC day as yyyy-MM-dd (e.g. 2026-11-27).");
        }

        // Counts this instance still holds in memory are written first, so the answer is exact.
        await recorder.FlushAsync(cancellationToken);
        var record = await usage.GetAsync(user.Uid, day, cancellationToken);
        var budget = options.Value.DailyTokenBudget;
        return TypedResults.Ok(new UsageResponse(
            record.Date,
            record.Requests,
            record.InputTokens,
            record.OutputTokens,
            record.CacheHits,
            record.PlatformTokens,
            budget == 0 ? null : budget,
            budget == 0 ? null : Math.Max(0, budget - record.PlatformTokens)));
    }
}

/// <param name="DailyTokenBudget">Tokens per day on the platform key; null when unlimited.</param>
/// <param name="RemainingPlatformTokens">What is left of it that day; null when unlimited.</param>
internal sealed record UsageResponse(
    string Date,
    long Requests,
    long InputTokens,
    long OutputTokens,
    long CacheHits,
    long PlatformTokens,
    long? DailyTokenBudget,
    long? RemainingPlatformTokens);
