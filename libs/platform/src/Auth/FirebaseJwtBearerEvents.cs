using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace PocketCode.Platform;

/// <summary>
/// Adds the checks Firebase requires beyond standard JWT validation, and answers 401/403 with
/// problem details while keeping the RFC 6750 <c>WWW-Authenticate</c> header clients rely on.
/// </summary>
public class FirebaseJwtBearerEvents : JwtBearerEvents
{
    /// <summary>Firebase uids are 1-128 characters.</summary>
    public const int MaxUidLength = 128;

    public override Task TokenValidated(TokenValidatedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var sub = context.Principal?.FindFirst(FirebaseClaimTypes.Subject)?.Value;
        if (string.IsNullOrWhiteSpace(sub))
        {
            context.Fail(new FirebaseTokenException("The token has no subject (sub): it does not identify a user."));
        }
        else if (sub.Length > MaxUidLength)
        {
            context.Fail(new FirebaseTokenException($"The token's subject (sub) is longer than {MaxUidLength} characters."));
        }

        return base.TokenValidated(context);
    }

    public override async Task Challenge(JwtBearerChallengeContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await base.Challenge(context);
        if (context.Handled)
        {
            return;
        }

        context.HandleResponse();
        var response = context.Response;
        response.StatusCode = StatusCodes.Status401Unauthorized;

        string detail;
        if (context.AuthenticateFailure is null)
        {
            detail = "This endpoint needs a Firebase ID token: send it as 'Authorization: Bearer <token>'.";
        }
        else
        {
            var reason = context.AuthenticateFailure is FirebaseTokenException firebase
                ? firebase.Message
                : string.IsNullOrEmpty(context.ErrorDescription) ? "The token is malformed or not a Firebase ID token for this project." : context.ErrorDescription + ".";
            context.Error ??= "invalid_token";
            if (string.IsNullOrEmpty(context.ErrorDescription))
            {
                context.ErrorDescription = reason.TrimEnd('.');
            }

            detail = "The bearer token was rejected. " + reason;
        }

        response.Headers.Append(HeaderNames.WWWAuthenticate, BuildChallenge(context));
        await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, detail);
    }

    public override async Task Forbidden(ForbiddenContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await base.Forbidden(context);
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden, ProblemCodes.Forbidden,
            "Your account is signed in but is not allowed to do this.");
    }

    // Same header JwtBearerHandler writes when the challenge is not handled (RFC 6750 section 3).
    private static string BuildChallenge(JwtBearerChallengeContext context)
    {
        var builder = new StringBuilder(context.Options.Challenge);
        var parameters = new List<string>();
        if (!string.IsNullOrEmpty(context.Error))
        {
            parameters.Add($"error=\"{Escape(context.Error)}\"");
        }

        if (!string.IsNullOrEmpty(context.ErrorDescription))
        {
            parameters.Add($"error_description=\"{Escape(context.ErrorDescription)}\"");
        }

        if (!string.IsNullOrEmpty(context.ErrorUri))
        {
            parameters.Add($"error_uri=\"{Escape(context.ErrorUri)}\"");
        }

        if (parameters.Count > 0)
        {
            builder.Append(' ').AppendJoin(", ", parameters);
        }

        return builder.ToString();
    }

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal);

    private static async Task WriteProblemAsync(HttpContext httpContext, int status, string code, string detail)
    {
        var problems = httpContext.RequestServices.GetService<IProblemDetailsService>();
        if (problems is null)
        {
            return;
        }

        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Detail = detail,
                Extensions = { [ProblemDetailsSetup.CodeKey] = code },
            },
        });
    }
}

/// <summary>A token that is a valid JWT but breaks a Firebase-specific rule; its message is safe to show.</summary>
public sealed class FirebaseTokenException : Microsoft.IdentityModel.Tokens.SecurityTokenValidationException
{
    public FirebaseTokenException()
    {
    }

    public FirebaseTokenException(string message)
        : base(message)
    {
    }

    public FirebaseTokenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
