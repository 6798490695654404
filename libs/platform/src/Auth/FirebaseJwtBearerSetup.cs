using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace PocketCode.Platform;

/// <summary>
/// Configures JwtBearer to accept exactly Firebase ID tokens for this project. Runs lazily, when
/// the options are first used, so test hosts can change configuration up to start-up.
/// </summary>
internal sealed class FirebaseJwtBearerSetup(
    IOptions<PlatformOptions> platform,
    IOptions<AuthOptions> auth,
    ValidatedTokenCache tokenCache,
    IHostEnvironment environment) : IConfigureNamedOptions<JwtBearerOptions>
{
    public void Configure(string? name, JwtBearerOptions options)
    {
        if (name == JwtBearerDefaults.AuthenticationScheme)
        {
            Configure(options);
        }
    }

    public void Configure(JwtBearerOptions options)
    {
        var projectId = platform.Value.ProjectId!;
        var settings = auth.Value;
        var issuer = settings.Issuer(projectId);

        // Keep Firebase's claim names (sub, email, ...) instead of the WS-* URIs .NET maps them to.
        options.MapInboundClaims = false;
        for (var i = 0; i < options.TokenHandlers.Count; i++)
        {
            options.TokenHandlers[i] = tokenCache.Wrap(options.TokenHandlers[i]);
        }

        options.SaveToken = false;
        options.IncludeErrorDetails = true;
        options.Events = new FirebaseJwtBearerEvents();

        var parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuer = issuer,
            ValidateAudience = true,
            ValidAudience = projectId,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(settings.ClockSkewSeconds),
            NameClaimType = FirebaseClaimTypes.Subject,
            RoleClaimType = "role",
        };

        if (settings.AcceptsUnsignedTokens(environment))
        {
            // Emulator tokens are `alg: none` with an empty signature. No authority is set, so no
            // keys are fetched from Google (there may be no network); a signed token fails for
            // want of keys, which is what the Admin SDKs do with a foreign token in this mode.
            parameters.RequireSignedTokens = false;
            options.Authority = null;
            options.MetadataAddress = null!;
        }
        else
        {
            // Google publishes the signing keys through the issuer's OpenID configuration; JwtBearer
            // fetches and caches them and refetches when a token names an unknown key id.
            parameters.RequireSignedTokens = true;
            parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            options.Authority = issuer;
            options.MetadataAddress = issuer + "/.well-known/openid-configuration";
            options.RequireHttpsMetadata = !AuthOptions.IsLoopback(new Uri(issuer));
        }

        options.TokenValidationParameters = parameters;
    }
}
