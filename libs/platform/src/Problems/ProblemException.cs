namespace PocketCode.Platform;

/// <summary>
/// Thrown by business rules to end a request with a specific problem response. The platform's
/// exception handler turns it into RFC 9457 problem details with <see cref="Code"/>;
/// <see cref="Exception.Message"/> is the client-facing detail, so write it for the caller.
/// </summary>
public class ProblemException : Exception
{
    public ProblemException(int status, string code, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
        : base(detail)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Status = status;
        Code = code;
        Extensions = extensions;
    }

    public ProblemException(int status, string code, string detail, Exception innerException)
        : base(detail, innerException)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(status, 400);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(status, 599);
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        Status = status;
        Code = code;
    }

    public ProblemException()
        : this(500, ProblemCodes.InternalError, "An unexpected error occurred.")
    {
    }

    public ProblemException(string message)
        : this(400, ProblemCodes.BadRequest, message)
    {
    }

    public ProblemException(string message, Exception innerException)
        : this(400, ProblemCodes.BadRequest, message, innerException)
    {
    }

    public int Status { get; }

    public string Code { get; }

    /// <summary>Extra members written into the problem object (e.g. <c>currentVersion</c>).</summary>
    public IReadOnlyDictionary<string, object?>? Extensions { get; }

    /// <summary>
    /// Response headers the problem needs (e.g. <c>Retry-After</c> on a 429 or 503). The exception
    /// handler clears the response before writing the problem, so they are set with it.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>This problem with <c>Retry-After</c> in whole seconds, rounded up.</summary>
    public ProblemException WithRetryAfter(TimeSpan wait) => new(Status, Code, Message, Extensions)
    {
        Headers = new Dictionary<string, string>(Headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase)
        {
            ["Retry-After"] = ((long)Math.Ceiling(Math.Max(0, wait.TotalSeconds))).ToString(System.Globalization.CultureInfo.InvariantCulture),
        },
    };

    public static ProblemException BadRequest(string detail) => new(400, ProblemCodes.BadRequest, detail);

    public static ProblemException Forbidden(string detail) => new(403, ProblemCodes.Forbidden, detail);

    public static ProblemException NotFound(string detail) => new(404, ProblemCodes.NotFound, detail);

    public static ProblemException Conflict(string detail) => new(409, ProblemCodes.Conflict, detail);

    public static ProblemException PreconditionFailed(string detail) => new(412, ProblemCodes.PreconditionFailed, detail);

    public static ProblemException RateLimited(string detail) => new(429, ProblemCodes.RateLimited, detail);
}
