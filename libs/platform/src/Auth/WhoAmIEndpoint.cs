using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>The caller's identity as one service sees it; proves a token is accepted end to end.</summary>
public sealed record WhoAmIResponse(string Uid, string? Email, string? Name, bool Admin, string Service);

public static class WhoAmIEndpoint
{
    /// <summary>Maps an authenticated <c>GET</c> that answers with the caller's uid as validated by this service.</summary>
    public static RouteHandlerBuilder MapWhoAmI(this IEndpointRouteBuilder endpoints, string pattern)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        return endpoints.MapGet(pattern, Ok<WhoAmIResponse> (ICurrentUser user, IOptions<PlatformOptions> platform) =>
                TypedResults.Ok(new WhoAmIResponse(user.Uid, user.Email, user.Name, user.IsAdmin, platform.Value.ServiceName)))
            .WithName("WhoAmI")
            .WithSummary("The caller's identity as this service validated it.")
            .ProducesProblem(StatusCodes.Status401Unauthorized);
    }
}
