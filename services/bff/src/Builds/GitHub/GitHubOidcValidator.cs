using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Bff.Builds;
using PocketCode.Platform;

namespace PocketCode.Bff.Builds.GitHub;

/// <summary>Who a valid GitHub Actions OIDC token says is calling.</summary>
internal sealed record WorkflowCaller(string Repository, long RunId);

/// <summary>
/// Validates the GitHub Actions OIDC tokens the workflow sends with its reports: RS256 signature
/// against the issuer's published keys (fetched from its OpenID configuration, cached and
/// refreshed by Microsoft.IdentityModel), issuer, audience = the BFF, lifetime, and the
/// <c>repository</c> and <c>run_id</c> claims.
/// </summary>
internal sealed class GitHubOidcValidator
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string _issuer;
    private readonly string _audience;

    public GitHubOidcValidator(IOptions<BuildsOptions> options)
    {
        var settings = options.Value;
        _issuer = settings.OidcIssuer.ToString().TrimEnd('/');
        _audience = settings.ResolveAudience();
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            _issuer + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = !settings.OidcIssuer.IsLoopback });
    }

    /// <summary>The caller, or a 401 problem saying what is wrong with the token.</summary>
    public async Task<WorkflowCaller> ValidateAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            throw Unauthorized("This endpoint needs the workflow run's GitHub OIDC token as 'Authorization: Bearer <token>'.");
        }

        if (string.IsNullOrEmpty(_audience))
        {
            throw new ProblemException(503, ProblemCodes.ServiceUnavailable, "Build reports are not accepted: the BFF has no public base URL (PUBLIC_BASE_URL) to use as the token audience.");
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new ProblemException(503, ProblemCodes.ServiceUnavailable, "GitHub's OIDC signing keys cannot be fetched right now; retry shortly.", ex);
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuer = _issuer,
            ValidAudience = _audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        var result = await _handler.ValidateTokenAsync(header[7..].Trim(), parameters);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // GitHub rotated its keys: refetch once.
            _configuration.RequestRefresh();
            parameters.IssuerSigningKeys = (await _configuration.GetConfigurationAsync(cancellationToken)).SigningKeys;
            result = await _handler.ValidateTokenAsync(header[7..].Trim(), parameters);
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

        return new WorkflowCaller(repository, runId);
    }

    private static ProblemException Unauthorized(string detail) => new(401, ProblemCodes.Unauthorized, detail);
}
