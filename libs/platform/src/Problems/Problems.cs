using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace PocketCode.Platform;

/// <summary>
/// Factory for problem results returned from endpoint handlers. Every result carries a stable
/// <c>code</c> and the matching <c>type</c> URI; the platform's problem details customisation adds
/// <c>traceId</c> and <c>instance</c> when the result is written.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string code, string detail, IDictionary<string, object?>? extensions = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(code);
        var members = extensions is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(extensions);
        members[ProblemDetailsSetup.CodeKey] = code;
        return TypedResults.Problem(detail: detail, statusCode: status, type: ProblemCodes.TypeUri(code), extensions: members);
    }

    public static ProblemHttpResult BadRequest(string detail) => Create(400, ProblemCodes.BadRequest, detail);

    public static ProblemHttpResult Unauthorized(string detail) => Create(401, ProblemCodes.Unauthorized, detail);

    public static ProblemHttpResult Forbidden(string detail) => Create(403, ProblemCodes.Forbidden, detail);

    public static ProblemHttpResult NotFound(string detail) => Create(404, ProblemCodes.NotFound, detail);

    public static ProblemHttpResult Conflict(string detail) => Create(409, ProblemCodes.Conflict, detail);

    public static ProblemHttpResult PreconditionFailed(string detail) => Create(412, ProblemCodes.PreconditionFailed, detail);

    public static ProblemHttpResult PreconditionRequired(string detail) => Create(428, ProblemCodes.PreconditionRequired, detail);

    public static ProblemHttpResult PayloadTooLarge(string detail) => Create(413, ProblemCodes.PayloadTooLarge, detail);

    public static ProblemHttpResult RateLimited(string detail) => Create(429, ProblemCodes.RateLimited, detail);

    public static ProblemHttpResult ServiceUnavailable(string detail) => Create(503, ProblemCodes.ServiceUnavailable, detail);

    /// <summary>400 <c>validation_failed</c> with per-field messages (field names as the client sent them, camelCase).</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null)
    {
        ArgumentNullException.ThrowIfNull(errors);
        return TypedResults.ValidationProblem(
            errors,
            detail: detail ?? "One or more fields are invalid; see errors.",
            type: ProblemCodes.TypeUri(ProblemCodes.ValidationFailed),
            extensions: new Dictionary<string, object?> { [ProblemDetailsSetup.CodeKey] = ProblemCodes.ValidationFailed });
    }

    public static ValidationProblem Validation(string field, string message) =>
        Validation(new Dictionary<string, string[]> { [field] = [message] });
}
