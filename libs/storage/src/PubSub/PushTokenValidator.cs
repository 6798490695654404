using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Storage.Queues;

namespace PocketCode.Storage.PubSub;

/// <summary>
/// Checks the OIDC token Pub/Sub signs for each push request (docs.cloud.google.com/pubsub/docs/
/// authenticate-push-subscriptions, read 2026-12-08: RS256 JWT with <c>iss</c>
/// https://accounts.google.com, <c>aud</c> the subscription's audience, <c>email</c> the push
/// service account and <c>email_verified</c> true): signature against the issuer's published keys
/// (OpenID configuration, cached and refreshed by Microsoft.IdentityModel), issuer, audience =
/// the endpoint's URL, lifetime, and the email claims.
/// </summary>
internal sealed class PushTokenValidator
{
    private readonly WorkQueueOptions _options;
    private readonly ConfigurationManager<OpenIdConnectConfiguration> _configuration;
    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };
    private readonly string[] _issuers;

    public PushTokenValidator(WorkQueueOptions options)
    {
        _options = options;
        var issuer = options.PushTokenIssuer.ToString().TrimEnd('/');
        // Google's ID tokens carry either form of its issuer.
        _issuers = options.PushTokenIssuer == WorkQueueOptions.GoogleIssuer ? [issuer, "accounts.google.com"] : [issuer];
        _configuration = new ConfigurationManager<OpenIdConnectConfiguration>(
            issuer + "/.well-known/openid-configuration",
            new OpenIdConnectConfigurationRetriever(),
            new HttpDocumentRetriever { RequireHttps = !options.PushTokenIssuer.IsLoopback });
    }

    /// <summary>Null when the request carries a valid push token for <paramref name="audience"/>; else why not (for the 401).</summary>
    public async Task<string?> CheckAsync(HttpRequest request, string audience, CancellationToken cancellationToken)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return "Push requests need Pub/Sub's OIDC token as 'Authorization: Bearer <token>'.";
        }

        var token = header[7..].Trim();
        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await _configuration.GetConfigurationAsync(cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return "The token issuer's signing keys cannot be fetched right now.";
        }

        var parameters = new TokenValidationParameters
        {
            ValidIssuers = _issuers,
            ValidAudience = audience,
            IssuerSigningKeys = configuration.SigningKeys,
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
        };
        var result = await _handler.ValidateTokenAsync(token, parameters);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException)
        {
            // The issuer rotated its keys: refetch once.
            _configuration.RequestRefresh();
            parameters.IssuerSigningKeys = (await _configuration.GetConfigurationAsync(cancellationToken)).SigningKeys;
            result = await _handler.ValidateTokenAsync(token, parameters);
        }

        if (!result.IsValid)
        {
            return result.Exception switch
            {
                SecurityTokenExpiredException => "The push token has expired.",
                SecurityTokenInvalidAudienceException => "The push token's audience is not this endpoint.",
                SecurityTokenInvalidIssuerException => "The push token was not issued by Google.",
                _ => "The push token is not valid.",
            };
        }

        var email = result.Claims.TryGetValue("email", out var e) ? e as string : null;
        var verified = result.Claims.TryGetValue("email_verified", out var v) && v is true or "true";
        return string.Equals(email, _options.PushServiceAccount, StringComparison.OrdinalIgnoreCase) && verified
            ? null
            : "The push token is not the push subscription's service account.";
    }
}
