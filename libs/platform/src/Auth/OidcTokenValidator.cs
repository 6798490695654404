using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace PocketCode.Platform.Auth;

/// <summary>
/// Checks an RS256 bearer token of an OpenID Connect issuer (GitHub Actions for the build workflow,
/// Google for Pub/Sub pushes): signature against the issuer's published keys, issuer, audience and
/// lifetime. Fetching, caching and refreshing the keys is Microsoft.IdentityModel's
/// <see cref="ConfigurationManager{T}"/>; this class fixes the rules both callers share and fetches
/// the keys again once when a token names a key not seen yet (the issuer rotated its keys).
/// The claims each caller needs (repository, email) are the caller's to check.
/// </summary>
public sealed class OidcTokenValidator
{
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string[] _issuers;

    /// <param name="issuer">The issuer; its keys come from <c>{issuer}/.well-known/openid-configuration</c> (https unless on loopback, for tests).</param>
    /// <param name="alsoAccepted">Other spellings of the same issuer in <c>iss</c> (Google's tokens may say <c>accounts.google.com</c>).</param>
    public OidcTokenValidator(Uri issuer, params string[] alsoAccepted)
    {
        ArgumentNullException.ThrowIfNull(issuer);
        var name = issuer.ToString().TrimEnd('/');
        _issuers = [name, .. alsoAccepted];
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            name + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = !issuer.IsLoopback });
    }

    /// <summary>The token of an <c>Authorization: Bearer</c> header, or null when there is none.</summary>
    public static string? BearerToken(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
    }

    /// <summary>
    /// The validation result (claims when valid, the reason in <see cref="TokenValidationResult.Exception"/>
    /// when not). Throws <see cref="InvalidOperationException"/> when the issuer's keys cannot be fetched.
    /// </summary>
    public async Task<TokenValidationResult> ValidateAsync(string token, string audience, CancellationToken cancellationToken)
    {
        var parameters = new TokenValidationParameters
        {
            ValidIssuers = _issuers,
            ValidAudience = audience,
            IssuerSigningKeys = (await _configuration.GetConfigurationAsync(cancellationToken)).SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            _configuration.RequestRefresh();
            parameters.IssuerSigningKeys = (await _configuration.GetConfigurationAsync(cancellationToken)).SigningKeys;
            result = await _handler.ValidateTokenAsync(token, parameters);
        }

        return result;
    }
}
