using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace PocketCode.Platform;

/// <summary>
/// Maps exceptions whose meaning is known to problem responses: <see cref="ProblemException"/>
/// from business rules, and <see cref="BadHttpRequestException"/> from model binding and Kestrel
/// limits. Anything else falls through to the default handler: a logged 500.
/// </summary>
/// <remarks>
/// Services map their own exception types by registering another <see cref="IExceptionHandler"/>
/// (<c>services.AddExceptionHandler&lt;T&gt;()</c>) or with
/// <see cref="ProblemMappingExtensions.AddProblemMapping{TException}"/>.
/// </remarks>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problemDetails, ILogger<ProblemExceptionHandler> logger)
    : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = exception switch
        {
            ProblemException pe => FromProblemException(pe),
            BadHttpRequestException bad => FromBadRequest(bad),
            _ => null,
        };
        if (problem is null)
        {
            return false;
        }

        if (problem.Status >= 500)
        {
            LogServerProblem(logger, exception, problem.Status.Value, (string)problem.Extensions[ProblemDetailsSetup.CodeKey]!);
        }
        else
        {
            LogClientProblem(logger, problem.Status!.Value, (string)problem.Extensions[ProblemDetailsSetup.CodeKey]!, exception.Message);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (exception is ProblemException { Headers: { } headers })
        {
            foreach (var (name, value) in headers)
            {
                httpContext.Response.Headers[name] = value;
            }
        }
        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    internal static ProblemDetails FromProblemException(ProblemException exception)
    {
        var problem = new ProblemDetails { Status = exception.Status, Detail = exception.Message };
        if (exception.Extensions is not null)
        {
            foreach (var (key, value) in exception.Extensions)
            {
                problem.Extensions[key] = value;
            }
        }

        problem.Extensions[ProblemDetailsSetup.CodeKey] = exception.Code;
        return problem;
    }

    internal static ProblemDetails FromBadRequest(BadHttpRequestException exception)
    {
        var status = exception.StatusCode;
        var detail = exception switch
        {
            { InnerException: JsonException json } => DescribeJsonError(json),
            { StatusCode: StatusCodes.Status413PayloadTooLarge } => "The request body is larger than this endpoint accepts.",
            // Kestrel's message names its own setting; the default detail says what to do.
            { StatusCode: StatusCodes.Status408RequestTimeout } => null,
            _ when exception.Message.Contains("no body was provided", StringComparison.Ordinal) => "This endpoint needs a JSON request body.",
            _ => exception.Message,
        };
        return new ProblemDetails
        {
            Status = status,
            Detail = detail,
            Extensions = { [ProblemDetailsSetup.CodeKey] = ProblemCodes.FromStatus(status) },
        };
    }

    // JsonException messages name .NET types; the field path is what the caller needs.
    private static string DescribeJsonError(JsonException json)
    {
        var missing = MissingPropertiesPattern().Match(json.Message);
        if (missing.Success)
        {
            return $"The request body is missing required properties: {missing.Groups[1].Value}.";
        }

        return json.Path is { Length: > 0 } path && path != "$"
            ? $"The request body is not valid JSON for this endpoint: the value at '{path}' is missing, malformed or of the wrong type."
            : "The request body is not valid JSON for this endpoint.";
    }

    [GeneratedRegex("missing required properties including: (.+?)\\.?(?: Path:|$)")]
    private static partial Regex MissingPropertiesPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Request failed with {Status} {Code}: {Detail}")]
    private static partial void LogClientProblem(ILogger logger, int status, string code, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Request failed with {Status} {Code}")]
    private static partial void LogServerProblem(ILogger logger, Exception exception, int status, string code);
}
