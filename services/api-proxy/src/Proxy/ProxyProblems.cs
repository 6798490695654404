using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>
/// The problems of a proxied call: a <see cref="ProblemException"/> naming the provider that
/// failed (<c>provider</c>) and, for a 429 or 503, when to retry (<c>Retry-After</c>).
/// </summary>
internal static class ProxyProblems
{
    public const string BudgetExceededCode = "ai_budget_exceeded";

    public static ProblemException Create(int status, string code, string detail, string? provider = null, TimeSpan? retryAfter = null)
    {
        var problem = new ProblemException(status, code, detail, provider is null ? null : new Dictionary<string, object?> { ["provider"] = provider });
        return retryAfter is { } wait ? problem.WithRetryAfter(wait) : problem;
    }
}
