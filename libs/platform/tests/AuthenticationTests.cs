using PocketCode.Testing;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

/// <summary>A Production service validating RS256 tokens against keys from a local test issuer.</summary>
public sealed class SignedTokenFixture : IAsyncLifetime
{
    public TestIssuer Issuer { get; private set; } = null!;

    public TestApp App { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Issuer = await TestIssuer.StartAsync();
        App = await TestApp.StartAsync("Production", new Dictionary<string, string?>
        {
            ["Auth:IssuerBaseUrl"] = Issuer.BaseUrl,
            ["Limits:MaxRequestBodyBytes"] = "1024",
        });
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        await Issuer.DisposeAsync();
    }
}

public sealed class AuthenticationTests(SignedTokenFixture fixture) : IClassFixture<SignedTokenFixture>
{
    private TestIssuer Issuer => fixture.Issuer;

    private TestApp App => fixture.App;

    [Fact]
    public async Task Valid_signed_token_reaches_the_endpoint_with_its_uid_and_claims()
    {
        var claims = Issuer.ValidClaims("uid-valid");
        claims["plan"] = "pro";

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("uid-valid", me.GetProperty("uid").GetString());
        Assert.Equal("ada@example.com", me.GetProperty("email").GetString());
        Assert.True(me.GetProperty("emailVerified").GetBoolean());
        Assert.Equal("Ada", me.GetProperty("name").GetString());
        Assert.Equal("password", me.GetProperty("signInProvider").GetString());
        Assert.Equal("pro", me.GetProperty("plan").GetString());
        Assert.False(me.GetProperty("admin").GetBoolean());
    }

    [Fact]
    public async Task Missing_token_is_401_problem_with_bearer_challenge()
    {
        var response = await App.GetAsync("/v1/me");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("/v1/me", problem.GetProperty("instance").GetString());
    }

    [Fact]
    public async Task Expired_token_is_401_with_invalid_token_challenge()
    {
        var claims = Issuer.ValidClaims();
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        claims["iat"] = now - 7200;
        claims["auth_time"] = now - 7200;
        claims["exp"] = now - 3600;

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        var challenge = Assert.Single(response.Headers.WwwAuthenticate);
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("error=\"invalid_token\"", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("expired", challenge.Parameter, StringComparison.Ordinal);
        Assert.Contains("expired", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_just_past_expiry_within_clock_skew_is_accepted()
    {
        var claims = Issuer.ValidClaims();
        claims["exp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 5;

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("aud", "another-project")]
    [InlineData("aud", "")]
    [InlineData("iss", "https://securetoken.google.com/another-project")]
    [InlineData("iss", "https://evil.example/demo-platform-test")]
    public async Task Token_for_another_audience_or_issuer_is_401(string claim, string value)
    {
        var claims = Issuer.ValidClaims();
        claims[claim] = value;

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Contains("invalid_token", Assert.Single(response.Headers.WwwAuthenticate).Parameter, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_with_the_real_google_issuer_is_rejected_when_the_issuer_base_is_local()
    {
        // Proves the issuer is derived from Auth:IssuerBaseUrl, not hard-coded.
        var claims = Issuer.ValidClaims();
        claims["iss"] = $"https://securetoken.google.com/{TestApp.ProjectId}";

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Unsigned_alg_none_token_is_401_outside_emulator_and_development()
    {
        var response = await App.GetAsync("/v1/me", TestIssuer.UnsignedToken(Issuer.ValidClaims()));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Token_signed_with_an_unknown_key_is_401()
    {
        using var stranger = RSA.Create(2048);

        var response = await App.GetAsync("/v1/me", Issuer.Sign(Issuer.ValidClaims(), stranger, kid: "unknown-key"));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Token_forged_under_the_published_key_id_is_401()
    {
        using var stranger = RSA.Create(2048);

        var response = await App.GetAsync("/v1/me", Issuer.Sign(Issuer.ValidClaims(), stranger, kid: TestIssuer.KeyId));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Hs256_token_keyed_with_the_public_key_is_401()
    {
        var response = await App.GetAsync("/v1/me", Issuer.SignHs256WithPublicKey(Issuer.ValidClaims()));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Token_validly_signed_with_another_algorithm_is_401_because_only_RS256_is_allowed()
    {
        var response = await App.GetAsync("/v1/me", Issuer.Sign(Issuer.ValidClaims(), rs512: true));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Tampered_payload_is_401()
    {
        var token = Issuer.Sign(Issuer.ValidClaims("honest-user")).Split('.');
        var forged = TestIssuer.UnsignedToken(Issuer.ValidClaims("victim")).Split('.')[1];

        var response = await App.GetAsync("/v1/me", $"{token[0]}.{forged}.{token[2]}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(null)]
    public async Task Token_without_a_subject_is_401(string? sub)
    {
        var claims = Issuer.ValidClaims();
        if (sub is null)
        {
            claims.Remove("sub");
        }
        else
        {
            claims["sub"] = sub;
        }

        var response = await App.GetAsync("/v1/me", Issuer.Sign(claims));

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
        Assert.Contains("sub", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Token_with_an_overlong_subject_is_401()
    {
        var response = await App.GetAsync("/v1/me", Issuer.Sign(Issuer.ValidClaims(new string('u', 129))));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Garbage_bearer_value_is_401_problem()
    {
        var response = await App.GetAsync("/v1/me", "not-a-jwt");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Admin_policy_is_403_problem_without_the_admin_claim_and_200_with_it()
    {
        var plain = await App.GetAsync("/v1/admin", Issuer.Sign(Issuer.ValidClaims()));
        await ProblemAssert.IsProblemAsync(plain, HttpStatusCode.Forbidden, ProblemCodes.Forbidden);

        var claims = Issuer.ValidClaims("operator");
        claims["admin"] = true;
        var admin = await App.GetAsync("/v1/admin", Issuer.Sign(claims));
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
    }

    [Fact]
    public async Task Admin_claim_as_a_string_other_than_true_is_not_admin()
    {
        var claims = Issuer.ValidClaims();
        claims["admin"] = "yes";

        var response = await App.GetAsync("/v1/admin", Issuer.Sign(claims));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_allow_anonymous_callers()
    {
        Assert.Equal(HttpStatusCode.OK, (await App.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await App.GetAsync("/health/ready")).StatusCode);
    }
}

public sealed class SigningKeyCacheTests
{
    [Fact]
    public async Task Signing_keys_are_fetched_once_and_reused_across_requests()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["Auth:IssuerBaseUrl"] = issuer.BaseUrl });

        for (var i = 0; i < 3; i++)
        {
            var response = await app.GetAsync("/v1/me", issuer.Sign(issuer.ValidClaims($"user-{i}")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, issuer.MetadataRequests);
        Assert.Equal(1, issuer.JwksRequests);
    }
}
