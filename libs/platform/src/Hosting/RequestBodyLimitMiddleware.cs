using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace PocketCode.Platform;

/// <summary>
/// Rejects a body whose declared Content-Length exceeds the limit before anything reads it.
/// Kestrel would only fail the first read, and minimal API binding treats that failure as an
/// I/O error, leaving Kestrel to send a bare 413 with no problem body.
/// </summary>
/// <remarks>Runs after routing, so per-endpoint limits from request size metadata already apply.</remarks>
internal sealed class RequestBodyLimitMiddleware(RequestDelegate next, IProblemDetailsService problems)
{
    public async Task InvokeAsync(HttpContext context)
    {
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
    }
}
