using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Bff.Builds;
using PocketCode.Platform;
using PocketCode.Platform.Auth;

namespace PocketCode.Bff.Builds.GitHub;

/// <summary>Who a valid GitHub Actions OIDC token says is calling: repository, run and the git ref the run is on.</summary>
internal sealed record WorkflowCaller(string Repository, long RunId, string? Ref = null);

/// <summary>
/// Validates the GitHub Actions OIDC tokens the workflow sends with its reports: RS256 signature,
/// issuer, audience = the BFF and lifetime (<see cref="OidcTokenValidator"/>), and the
/// <c>repository</c> and <c>run_id</c> claims.
/// </summary>
internal sealed class GitHubOidcValidator
{
    private readonly OidcTokenValidator _tokens;
    private readonly string _audience;

    public GitHubOidcValidator(IOptions<BuildsOptions> options)
    {
        var settings = options.Value;
        _audience = settings.ResolveAudience();
        _tokens = new OidcTokenValidator(settings.OidcIssuer);
    }

    /// <summary>The caller, or a 401 problem saying what is wrong with the token.</summary>
    public async Task<WorkflowCaller> ValidateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (OidcTokenValidator.BearerToken(request) is not { } token)
        {
            throw Unauthorized("This endpoint needs the workflow run's GitHub OIDC token as 'Authorization: Bearer <token>'.");
        }

        if (string.IsNullOrEmpty(_audience))
        {
            throw new ProblemException(503, ProblemCodes.ServiceUnavailable, "Build reports are not accepted: the BFF has no public base URL (PUBLIC_BASE_URL) to use as the token audience.");
        }

        TokenValidationResult result;
        try
        {
            result = await _tokens.ValidateAsync(token, _audience, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new ProblemException(503, ProblemCodes.ServiceUnavailable, "GitHub's OIDC signing keys cannot be fetched right now; retry shortly.", ex);
        }

        if (!result.IsValid)
        {
            throw Unauthorized(result.Exception switch
            {
                SecurityTokenExpiredException => "The OIDC token has expired.",
                SecurityTokenInvalidAudienceException => "The OIDC token's audience is not this BFF.",
                SecurityTokenInvalidIssuerException => "The OIDC token was not issued by GitHub Actions.",
                SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "The OIDC token's signature does not verify.",
                _ => "The OIDC token is not valid.",
            });
        }

        var repository = result.Claims.TryGetValue("repository", out var repo) ? repo as string : null;
        var runIdText = result.Claims.TryGetValue("run_id", out var run) ? run?.ToString() : null;
        if (string.IsNullOrEmpty(repository) || !long.TryParse(runIdText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var runId))
        {
            throw Unauthorized("The OIDC token lacks the repository or run_id claim of a GitHub Actions run.");
        }

        return new WorkflowCaller(repository, runId, result.Claims.TryGetValue("ref", out var gitRef) ? gitRef as string : null);
    }

    private static ProblemException Unauthorized(string detail) => new(401, ProblemCodes.Unauthorized, detail);
}
