using System.Globalization;
using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Proxy;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Usage;

/// <summary><c>GET /proxy/v1/usage</c>: the caller's own AI usage of one UTC day and their budget.</summary>
public static class UsageApi
{
    public const string Route = "/proxy/v1/usage";

    public static IEndpointRouteBuilder MapUsageApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Route, GetAsync)
            .WithName("GetAiUsage")
            .WithSummary("The caller's AI usage on one UTC day (default today): requests, tokens, cache hits and the platform budget.");
        return endpoints;
    }

    private static async Task<UsageResponse> GetAsync(string? date, ICurrentUser user, UsageStore usage, UsageRecorder recorder, IOptions<ProxyOptions> options, CancellationToken cancellationToken)
    {
        var day = usage.Today;
        if (!string.IsNullOrEmpty(date) && !DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out day))
        {
            throw new ProblemException(400, ProblemCodes.ValidationFailed, "'date' must be a UTC day as yyyy-MM-dd (e.g. 2026-11-27).");
        }

        // Counts this instance still holds in memory are written first, so the answer is exact.
        await recorder.FlushAsync(cancellationToken);
        var record = await usage.GetAsync(user.Uid, day, cancellationToken);
        var budget = options.Value.DailyTokenBudget;
        return new UsageResponse(
            record.Date,
            record.Requests,
            record.InputTokens,
            record.OutputTokens,
            record.CacheHits,
            record.PlatformTokens,
            budget == 0 ? null : budget,
            budget == 0 ? null : Math.Max(0, budget - record.PlatformTokens));
    }
}

/// <param name="DailyTokenBudget">Tokens per day on the platform key; null when unlimited.</param>
/// <param name="RemainingPlatformTokens">What is left of it that day; null when unlimited.</param>
public sealed record UsageResponse(
    string Date,
    long Requests,
    long InputTokens,
    long OutputTokens,
    long CacheHits,
    long PlatformTokens,
    long? DailyTokenBudget,
    long? RemainingPlatformTokens);
