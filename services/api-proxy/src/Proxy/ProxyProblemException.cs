using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>
/// Ends a proxied call with a problem response that may carry <c>Retry-After</c> and the name of
/// the provider that failed. Separate from <see cref="ProblemException"/> because the platform's
/// exception handler clears response headers, and a 429 or 503 needs its Retry-After.
/// </summary>
public sealed class ProxyProblemException : Exception
{
    public ProxyProblemException(int status, string code, string detail, string? provider = null, TimeSpan? retryAfter = null)
        : base(detail)
    {
        Status = status;
        Code = code;
        Provider = provider;
        RetryAfter = retryAfter;
    }

    public ProxyProblemException()
        : this(502, ProblemCodes.BadGateway, "The provider failed.")
    {
    }

    public ProxyProblemException(string message)
        : this(502, ProblemCodes.BadGateway, message)
    {
    }

    public ProxyProblemException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = 502;
        Code = ProblemCodes.BadGateway;
    }

    public int Status { get; }

    public string Code { get; }

    public string? Provider { get; }

    public TimeSpan? RetryAfter { get; }

    public const string BudgetExceededCode = "ai_budget_exceeded";

    /// <summary>Writes the problem (with Retry-After when known) as the response.</summary>
    public Task WriteAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (RetryAfter is { } wait)
        {
            http.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var extensions = Provider is null ? null : new Dictionary<string, object?> { ["provider"] = Provider };
        return Problems.Create(Status, Code, Message, extensions).ExecuteAsync(http);
    }
}
