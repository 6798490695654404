using Microsoft.AspNetCore.Http;

namespace PocketCode.Platform;

/// <summary>
/// Security headers on every response, errors included: no MIME sniffing, no referrer, never framed.
/// </summary>
/// <remarks>
/// Hand-written rather than NetEscapades.AspNetCore.SecurityHeaders: that library applies
/// X-Frame-Options and Content-Security-Policy to HTML "document" responses only, while these
/// APIs answer JSON and must send them on every response; three fixed headers need no policy engine.
/// HSTS is ASP.NET Core's own <c>UseHsts</c>; the Server header is switched off in Kestrel.
/// </remarks>
internal sealed class SecurityHeadersMiddleware(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(static state =>
        {
            var headers = ((HttpResponse)state).Headers;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            headers.XFrameOptions = "DENY";
            if (string.IsNullOrEmpty(headers.ContentSecurityPolicy))
            {
                headers.ContentSecurityPolicy = "frame-ancestors 'none'";
            }

            headers.Remove("Server");
            return Task.CompletedTask;
        }, context.Response);
        return next(context);
    }
}
