using System.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.DependencyInjection;

namespace PocketCode.Platform;

/// <summary>
/// Makes every error response RFC 9457 problem details with a stable <c>code</c>, <c>type</c>,
/// <c>instance</c> and <c>traceId</c>, whoever produced it: handlers, auth, routing or Kestrel.
/// </summary>
internal static class ProblemDetailsSetup
{
    public const string CodeKey = "code";
    public const string TraceIdKey = "traceId";

    // Exception messages can hold connection strings, ids or SQL; a 5xx caused by an exception
    // therefore never shows them. The traceId ties the response to the logged exception.
    public const string InternalErrorDetail = "An unexpected error occurred. If it persists, report it with the traceId.";

    public static IServiceCollection AddPlatformProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Customize);
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // Without this, minimal APIs answer a bad body with an empty 400 and the reason only in a
        // debug log; throwing lets the exception handler tell the caller what was wrong.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);

        // A body that omits a constructor parameter without a default is a client error, not a
        // record full of nulls for business rules to trip over.
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.RespectRequiredConstructorParameters = true);
        return services;
    }

    internal static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var http = context.HttpContext;
        var status = problem.Status ?? http.Response.StatusCode;
        problem.Status = status;

        if (!problem.Extensions.TryGetValue(CodeKey, out var existing) || existing is not string { Length: > 0 } code)
        {
            code = problem is HttpValidationProblemDetails { Errors.Count: > 0 }
                ? ProblemCodes.ValidationFailed
                : ProblemCodes.FromStatus(status);
            problem.Extensions[CodeKey] = code;
        }

        problem.Type = ProblemCodes.TypeUri(code);
        problem.Title ??= ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Error";
        problem.Instance ??= http.Request.Path.HasValue ? http.Request.PathBase + http.Request.Path : "/";
        problem.Extensions[TraceIdKey] = TraceId(http);

        if (status >= 500 && context.Exception is not null and not ProblemException)
        {
            problem.Detail = InternalErrorDetail;
        }

        problem.Detail ??= DefaultDetail(status);
    }

    /// <summary>The W3C trace id (32 hex chars) that also appears in logs and traces.</summary>
    public static string TraceId(HttpContext http) =>
        Activity.Current is { } activity && activity.TraceId != default
            ? activity.TraceId.ToHexString()
            : http.TraceIdentifier;

    private static string? DefaultDetail(int status) => status switch
    {
        400 => "The request is malformed.",
        401 => "Authentication is required.",
        403 => "You do not have permission to do this.",
        404 => "Nothing exists at this address.",
        405 => "This address does not accept that HTTP method; see the Allow header.",
        406 => "None of the media types in the Accept header can be produced.",
        408 => "The request body arrived too slowly; send the request again.",
        413 => "The request body is too large.",
        415 => "The request body's media type is not supported here (JSON bodies need Content-Type: application/json).",
        429 => "Too many requests; slow down and retry later.",
        >= 500 => InternalErrorDetail,
        _ => null,
    };
}
