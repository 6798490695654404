using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Platform.Auth;
using PocketCode.Storage.Queues;

namespace PocketCode.Storage.PubSub;

/// <summary>
/// Checks the OIDC token Pub/Sub signs for each push request (docs.cloud.google.com/pubsub/docs/
/// authenticate-push-subscriptions, read 2026-12-08: RS256 JWT with <c>iss</c>
/// https://accounts.google.com, <c>aud</c> the subscription's audience, <c>email</c> the push
/// service account and <c>email_verified</c> true): signature against the issuer's published keys
/// (<see cref="OidcTokenValidator"/>), issuer, audience =
/// the endpoint's URL, lifetime, and the email claims.
/// </summary>
internal sealed class PushTokenValidator
{
    private readonly WorkQueueOptions _options;
    private readonly OidcTokenValidator _tokens;

    public PushTokenValidator(WorkQueueOptions options)
    {
        _options = options;
        // Google's ID tokens carry either form of its issuer.
        _tokens = options.PushTokenIssuer == WorkQueueOptions.GoogleIssuer
            ? new OidcTokenValidator(options.PushTokenIssuer, "accounts.google.com")
            : new OidcTokenValidator(options.PushTokenIssuer);
    }

    /// <summary>Null when the request carries a valid push token for <paramref name="audience"/>; else why not (for the 401).</summary>
    public async Task<string?> CheckAsync(HttpRequest request, string audience, CancellationToken cancellationToken)
    {
        if (OidcTokenValidator.BearerToken(request) is not { } token)
        {
            return "Push requests need Pub/Sub's OIDC token as 'Authorization: Bearer <token>'.";
        }

        TokenValidationResult result;
        try
        {
            result = await _tokens.ValidateAsync(token, audience, cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return "The token issuer's signing keys cannot be fetched right now.";
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
