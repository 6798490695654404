using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>Body of <c>POST /dev/tokens</c>.</summary>
public sealed record DevTokenRequest(string? Uid = null, string? Email = null, string? Name = null, Dictionary<string, JsonElement>? Claims = null);

/// <summary>Answer of <c>POST /dev/tokens</c>, shaped like Firebase's sign-in responses.</summary>
public sealed record DevTokenResponse(string IdToken, int ExpiresIn);

/// <summary>
/// A Development-only token issuer, so the whole system runs on a laptop with no Firebase and no
/// emulator. Its tokens are unsigned, which is why they are accepted only in Development and
/// emulator mode, and why the endpoint is never mapped anywhere else.
/// </summary>
internal static partial class DevTokenEndpoints
{
    public const string Path = "/dev/tokens";

    // Names the token already carries or that Firebase forbids as custom claims.
    private static readonly HashSet<string> ReservedClaims = new(StringComparer.Ordinal)
    {
        "acr", "amr", "at_hash", "aud", "auth_time", "azp", "cnf", "c_hash", "exp", "firebase", "iat", "iss", "jti",
        "nbf", "nonce", "sub", "user_id", "email", "email_verified", "name",
    };

    public static IEndpointConventionBuilder MapDevTokens(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(Path, Mint)
            .AllowAnonymous()
            .ExcludeFromDescription();

    internal static Results<Ok<DevTokenResponse>, ValidationProblem> Mint(
        DevTokenRequest request,
        IOptions<PlatformOptions> platform,
        IOptions<AuthOptions> auth,
        TimeProvider clock)
    {
        var errors = Validate(request);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var projectId = platform.Value.ProjectId!;
        var token = EmulatorTokens.Create(
            auth.Value.Issuer(projectId), projectId, request.Uid!, clock.GetUtcNow(), request.Email, request.Name, request.Claims);
        return TypedResults.Ok(new DevTokenResponse(token, (int)EmulatorTokens.Lifetime.TotalSeconds));
    }

    internal static Dictionary<string, string[]> Validate(DevTokenRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Uid is null || !UidPattern().IsMatch(request.Uid))
        {
            errors["uid"] = ["uid is required: 1-128 letters, digits or . _ - : @ (no spaces or slashes)."];
        }

        if (request.Email is not null && !EmailPattern().IsMatch(request.Email))
        {
            errors["email"] = ["email must look like name@example.com."];
        }

        if (request.Name is { Length: > 256 })
        {
            errors["name"] = ["name must be at most 256 characters."];
        }

        if (request.Claims is not null)
        {
            var reserved = request.Claims.Keys.Where(ReservedClaims.Contains).Order(StringComparer.Ordinal).ToArray();
            if (reserved.Length > 0)
            {
                errors["claims"] = [$"claims cannot set reserved names: {string.Join(", ", reserved)}."];
            }
        }

        return errors;
    }

    [GeneratedRegex("^[A-Za-z0-9._:@-]{1,128}$")]
    private static partial Regex UidPattern();

    [GeneratedRegex(@"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    private static partial Regex EmailPattern();
}
