using System.Globalization;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace PocketCode.Platform;

/// <summary>
/// Two rules for request bodies:
/// <list type="bullet">
/// <item>A body whose declared Content-Length exceeds the limit is rejected with a 413 problem
/// before anything reads it. Kestrel would only fail the first read, and minimal API binding treats
/// that failure as an I/O error, leaving Kestrel to send a bare 413 with no problem body.</item>
/// <item>An error response that abandons the body for good says <c>Connection: close</c>: a 413
/// (too large) or 408 (it arrived too slowly), an error Kestrel raised while a handler read the body
/// (broken chunk framing, a body that ended early), and a bare 400, which is how minimal API binding
/// answers a body it could not read.
/// Kestrel cannot drain such a body, so it closes the connection after the response; unannounced,
/// the client returns the connection to its pool and sends its next request on it as the close
/// arrives, which the client sees as a response that "ended prematurely".</item>
/// </list>
/// </summary>
/// <remarks>Runs after routing, so per-endpoint limits from request size metadata already apply.</remarks>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    private static readonly Func<object, Task> AnnounceCloseWhenBodyAbandoned = static state =>
    {
        var context = (HttpContext)state;
        if (context.Response.StatusCode is StatusCodes.Status408RequestTimeout or StatusCodes.Status413PayloadTooLarge
            || IsServersOwnRequestError(context.Features.Get<IExceptionHandlerFeature>()?.Error))
        {
            context.Response.Headers.Connection = "close";
        }

        return Task.CompletedTask;
    };

    // Kestrel throws its own subtype when the request stream itself fails (bad chunk framing, a body
    // that ends early, too large or too slow), as opposed to binding's errors about the content.
    // The subtype is obsolete for catching, yet it is what Kestrel throws, so it tells the two apart.
#pragma warning disable CS0618
    private static bool IsServersOwnRequestError(Exception? error) =>
        error is Microsoft.AspNetCore.Server.Kestrel.Core.BadHttpRequestException;
#pragma warning restore CS0618

    public async Task InvokeAsync(HttpContext context)
    {
        var hasBody = context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true;
        if (hasBody)
        {
            context.Response.OnStarting(AnnounceCloseWhenBodyAbandoned, context);
        }

        var max = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (max is long limit && context.Request.ContentLength is long length && length > limit)
        {
            context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
            await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = context,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status413PayloadTooLarge,
                    Detail = string.Create(CultureInfo.InvariantCulture,
                        $"The request body is {length} bytes; this endpoint accepts at most {limit} bytes."),
                    Extensions = { [ProblemDetailsSetup.CodeKey] = ProblemCodes.PayloadTooLarge },
                },
            });
            return;
        }

        await next(context);

        // Handlers and the exception handler answer with a problem body; a 400 still without one
        // comes from binding's own I/O failure (status pages add the problem body after this).
        if (hasBody && !context.Response.HasStarted && context.Response.StatusCode == StatusCodes.Status400BadRequest)
        {
            context.Response.Headers.Connection = "close";
        }
    }
}
