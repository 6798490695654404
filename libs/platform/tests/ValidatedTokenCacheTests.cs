using System.Net;
using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Platform.Tests.Infrastructure;
using PocketCode.Testing;

namespace PocketCode.Platform.Tests;

/// <summary>
/// The validated-token cache: the handler behind it runs once per token, never for a token it
/// rejected, and a cached token is refused from its <c>exp</c> on.
/// </summary>
public sealed class ValidatedTokenCacheTests
{
    [Fact]
    public async Task A_token_seen_again_is_answered_without_validating_it_again()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var (parameters, token) = SignedToken(rsa, DateTime.UtcNow.AddHours(1));
        var inner = new CountingHandler();
        using var cache = Cache(size: 100);
        var handler = cache.Wrap(inner);

        var first = await handler.ValidateTokenAsync(token, parameters);
        var second = await handler.ValidateTokenAsync(token, parameters);
        var third = await handler.ValidateTokenAsync(token, parameters);

        Assert.True(first.IsValid && second.IsValid && third.IsValid);
        Assert.Equal(1, inner.Calls);
        Assert.Equal("bench-user", third.ClaimsIdentity.FindFirst("sub")?.Value);
        Assert.Equal(1, cache.Count);
    }

    [Fact]
    public async Task Each_answer_has_its_own_identity_so_added_claims_do_not_carry_over()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var (parameters, token) = SignedToken(rsa, DateTime.UtcNow.AddHours(1));
        using var cache = Cache(size: 100);
        var handler = cache.Wrap(new CountingHandler());

        var first = await handler.ValidateTokenAsync(token, parameters);
        first.ClaimsIdentity.AddClaim(new Claim("role", "admin"));
        var second = await handler.ValidateTokenAsync(token, parameters);
        var third = await handler.ValidateTokenAsync(token, parameters);
        second.ClaimsIdentity.AddClaim(new Claim("role", "admin"));

        Assert.NotSame(second.ClaimsIdentity, third.ClaimsIdentity);
        Assert.Null(third.ClaimsIdentity.FindFirst("role"));
    }

    [Fact]
    public async Task A_rejected_token_is_not_remembered()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        using var other = System.Security.Cryptography.RSA.Create(2048);
        var (parameters, _) = SignedToken(rsa, DateTime.UtcNow.AddHours(1));
        var (_, forged) = SignedToken(other, DateTime.UtcNow.AddHours(1));
        var inner = new CountingHandler();
        using var cache = Cache(size: 100);
        var handler = cache.Wrap(inner);

        Assert.False((await handler.ValidateTokenAsync(forged, parameters)).IsValid);
        Assert.False((await handler.ValidateTokenAsync(forged, parameters)).IsValid);

        Assert.Equal(2, inner.Calls);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task Size_zero_turns_the_cache_off()
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var (parameters, token) = SignedToken(rsa, DateTime.UtcNow.AddHours(1));
        var inner = new CountingHandler();
        using var cache = Cache(size: 0);

        var handler = cache.Wrap(inner);
        await handler.ValidateTokenAsync(token, parameters);
        await handler.ValidateTokenAsync(token, parameters);

        Assert.Same(inner, handler);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task A_cached_token_is_refused_once_it_has_expired()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?>
        {
            ["Auth:IssuerBaseUrl"] = issuer.BaseUrl,
            // No tolerance, so the token is refused the moment it expires.
            ["Auth:ClockSkewSeconds"] = "0",
        });
        // The first request of an app fetches the issuer's keys and compiles the pipeline; done
        // with another token, so the short-lived one's first request is not racing its expiry.
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/v1/me", issuer.Sign(issuer.ValidClaims("uid-warm-up")))).StatusCode);
        var claims = issuer.ValidClaims("uid-short-lived");
        var expires = DateTimeOffset.UtcNow.AddSeconds(3);
        claims["exp"] = expires.ToUnixTimeSeconds();
        var token = issuer.Sign(claims);

        var fresh = await app.GetAsync("/v1/me", token);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(2, app.App.Services.GetRequiredService<ValidatedTokenCache>().Count);

        // exp has one-second resolution; wait until it has certainly passed.
        await Task.Delay(DateTimeOffset.FromUnixTimeSeconds(expires.ToUnixTimeSeconds()) - DateTimeOffset.UtcNow + TimeSpan.FromMilliseconds(1100), Ct);
        var late = await app.GetAsync("/v1/me", token);

        await ProblemAssert.IsProblemAsync(late, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Contains("expired", Assert.Single(late.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public void A_cache_size_out_of_range_stops_start_up_naming_the_setting()
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["Auth:ValidatedTokenCacheSize"] = "-1" });
        builder.AddServiceDefaults(TestApp.ServiceName);
        using var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("Auth:ValidatedTokenCacheSize", error.Message, StringComparison.Ordinal);
    }

    private static ValidatedTokenCache Cache(int size) => new(Options.Create(new AuthOptions { ValidatedTokenCacheSize = size }));

    private static (TokenValidationParameters Parameters, string Token) SignedToken(System.Security.Cryptography.RSA rsa, DateTime expires)
    {
        var key = new RsaSecurityKey(rsa) { KeyId = "k" };
        var token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "https://issuer.test/p",
            Audience = "p",
            IssuedAt = expires.AddHours(-1),
            NotBefore = expires.AddHours(-1),
            Expires = expires,
            Subject = new ClaimsIdentity([new Claim("sub", "bench-user")]),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = "https://issuer.test/p",
            ValidAudience = "p",
            IssuerSigningKey = new RsaSecurityKey(rsa.ExportParameters(false)) { KeyId = "k" },
            ValidAlgorithms = [SecurityAlgorithms.RsaSha256],
        };
        return (parameters, token);
    }

    /// <summary>Microsoft's handler, counting how often it is asked to validate.</summary>
    private sealed class CountingHandler : JsonWebTokenHandler
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters)
        {
            Interlocked.Increment(ref _calls);
            return base.ValidateTokenAsync(token, validationParameters);
        }
    }
}
