using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PocketCode.Platform.Tests.Infrastructure;
using PocketCode.Testing;

namespace PocketCode.Platform.Tests;

/// <summary>The shared hardening of ServiceDefaults: security headers, HSTS, CORS and per-caller rate limits.</summary>
public sealed class HardeningTests
{
    [Theory]
    [InlineData("/v1/public", HttpStatusCode.OK)]
    [InlineData("/v1/me", HttpStatusCode.Unauthorized)]
    [InlineData("/v1/nowhere", HttpStatusCode.NotFound)]
    [InlineData("/health/live", HttpStatusCode.OK)]
    public async Task Every_answer_carries_the_security_headers_and_no_server_header(string path, HttpStatusCode expected)
    {
        await using var app = await TestApp.StartAsync("Development");

        using var response = await app.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        Assert.Equal("DENY", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.Equal("frame-ancestors 'none'", Assert.Single(response.Headers.GetValues("Content-Security-Policy")));
        Assert.False(response.Headers.Contains("Server"), "Kestrel's Server header is switched off");
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "no HSTS in Development");
    }

    [Fact]
    public async Task Outside_development_https_answers_carry_hsts()
    {
        await using var app = await TestApp.StartAsync("Production");
        using var request = TestApp.Request(HttpMethod.Get, "/v1/public");
        // Cloud Run's front end ends TLS and says so; the host is not loopback (HSTS skips those).
        request.Headers.Add("X-Forwarded-Proto", "https");
        request.Headers.Host = "api.pocketcode.example";

        using var response = await app.Client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000; includeSubDomains", Assert.Single(response.Headers.GetValues("Strict-Transport-Security")));
    }

    [Fact]
    public async Task By_default_no_origin_is_allowed_cross_origin()
    {
        await using var app = await TestApp.StartAsync("Development");

        using var get = TestApp.Request(HttpMethod.Get, "/v1/public");
        get.Headers.Add("Origin", "https://evil.example");
        using var answer = await app.Client.SendAsync(get, Ct);
        using var preflight = await app.Client.SendAsync(Preflight("https://evil.example"), Ct);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task A_configured_origin_is_allowed_and_others_are_not()
    {
        await using var app = await TestApp.StartAsync("Development", new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://console.pocketcode.example" });

        using var allowed = await app.Client.SendAsync(Preflight("https://console.pocketcode.example"), Ct);
        using var other = await app.Client.SendAsync(Preflight("https://evil.example"), Ct);

        Assert.Equal("https://console.pocketcode.example", Assert.Single(allowed.Headers.GetValues("Access-Control-Allow-Origin")));
        Assert.Contains("PATCH", allowed.Headers.GetValues("Access-Control-Allow-Methods").Single(), StringComparison.Ordinal);
        Assert.False(other.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task An_internal_service_keeps_the_security_headers_without_cors_hsts_or_compression()
    {
        await using var app = await TestApp.StartAsync(
            "Production",
            new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = "https://console.pocketcode.example" },
            exposure: ServiceExposure.Internal);
        using var get = TestApp.Request(HttpMethod.Get, "/v1/public");
        get.Headers.Add("X-Forwarded-Proto", "https");
        get.Headers.Host = "api-proxy.internal.example";
        get.Headers.Add("Origin", "https://console.pocketcode.example");
        get.Headers.AcceptEncoding.ParseAdd("gzip");

        using var answer = await app.Client.SendAsync(get, Ct);
        using var preflight = await app.Client.SendAsync(Preflight("https://console.pocketcode.example"), Ct);

        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("nosniff", Assert.Single(answer.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("DENY", Assert.Single(answer.Headers.GetValues("X-Frame-Options")));
        Assert.False(answer.Headers.Contains("Strict-Transport-Security"), "no HSTS: no browser reaches an internal service");
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"), "no CORS, even for a configured origin");
        Assert.False(preflight.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.Empty(answer.Content.Headers.ContentEncoding);
        Assert.Contains("\"hello\":\"world\"", await answer.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("http://console.example")]
    [InlineData("https://console.example/path")]
    [InlineData("not a url")]
    public void A_bad_cors_origin_stops_start_up_naming_the_setting(string origin)
    {
        var builder = TestApp.CreateBuilder("Development", new Dictionary<string, string?> { ["Cors:AllowedOrigins:0"] = origin });
        builder.AddServiceDefaults(TestApp.ServiceName);
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains("Cors:AllowedOrigins", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RateLimits:UserBurst", "0")]
    [InlineData("RateLimits:AnonymousPerSecond", "-1")]
    public void A_bad_rate_limit_stops_start_up_naming_the_setting(string key, string value)
    {
        var builder = TestApp.CreateBuilder("Development", new Dictionary<string, string?> { [key] = value });
        builder.AddServiceDefaults(TestApp.ServiceName);
        var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.UseServiceDefaults());

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callers_over_their_rate_get_a_429_problem_with_retry_after_per_user_and_per_address()
    {
        // Buckets of 3 refilling 1 a second: 20 quick calls cannot all fit (they would need 17 s).
        await using var app = await TestApp.StartAsync("Development", new Dictionary<string, string?>
        {
            ["RateLimits:UserBurst"] = "3",
            ["RateLimits:UserPerSecond"] = "1",
            ["RateLimits:AnonymousBurst"] = "3",
            ["RateLimits:AnonymousPerSecond"] = "1",
        });
        // Tokens first (POST /dev/tokens is anonymous, so it spends the address's bucket too).
        var alice = await MintAsync(app, "rate-alice");
        var bob = await MintAsync(app, "rate-bob");

        var aliceStatuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 20; i++)
        {
            var response = await app.GetAsync("/v1/me", alice);
            aliceStatuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && limited is null)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.Contains(HttpStatusCode.OK, aliceStatuses);
        Assert.NotNull(limited);
        using (limited)
        {
            Assert.True(int.Parse(Assert.Single(limited.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture) >= 1);
            await ProblemAssert.IsProblemAsync(limited, HttpStatusCode.TooManyRequests, ProblemCodes.RateLimited);
        }

        // Another user has a bucket of their own; health probes are never limited.
        using (var other = await app.GetAsync("/v1/me", bob))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        for (var i = 0; i < 10; i++)
        {
            using var live = await app.GetAsync("/health/live");
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        }

        // Anonymous callers share their address's bucket.
        var anonymous = new List<HttpStatusCode>();
        for (var i = 0; i < 20; i++)
        {
            using var response = await app.GetAsync("/v1/public");
            anonymous.Add(response.StatusCode);
        }

        Assert.Contains(HttpStatusCode.TooManyRequests, anonymous);
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = TestApp.Request(HttpMethod.Options, "/v1/public");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "PATCH");
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static async Task<string> MintAsync(TestApp app, string uid)
    {
        using var response = await app.Client.PostAsJsonAsync("/dev/tokens", new { uid }, Ct);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("idToken").GetString()!;
    }
}
