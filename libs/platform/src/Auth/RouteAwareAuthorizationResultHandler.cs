using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace PocketCode.Platform;

/// <summary>
/// The fallback policy also covers requests that matched no endpoint, which would turn every
/// unknown address into a 401 for anonymous callers. This answers those with the 404 (or, for a
/// known path with the wrong method, the 405) the caller needs, and never runs later middleware
/// for an unauthenticated request.
/// </summary>
internal sealed class RouteAwareAuthorizationResultHandler : IAuthorizationMiddlewareResultHandler
{
    // Display name of the endpoint routing creates for a path whose methods do not match
    // (HttpMethodMatcherPolicy.Http405EndpointDisplayName).
    internal const string MethodNotAllowedEndpointName = "405 HTTP Method Not Supported";

    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (!authorizeResult.Succeeded)
        {
            var endpoint = context.GetEndpoint();
            if (endpoint is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            if (endpoint.DisplayName == MethodNotAllowedEndpointName && endpoint.RequestDelegate is { } rejection)
            {
                return rejection(context);
            }
        }

        return _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
