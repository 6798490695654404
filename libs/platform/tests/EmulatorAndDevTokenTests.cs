using PocketCode.Testing;
using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class EmulatorModeTests
{
    private const string GoogleIssuer = "https://securetoken.google.com/" + TestApp.ProjectId;

    private static Dictionary<string, object?> EmulatorClaims(string uid = "emu-user")
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return new Dictionary<string, object?>
        {
            ["iss"] = GoogleIssuer,
            ["aud"] = TestApp.ProjectId,
            ["sub"] = uid,
            ["user_id"] = uid,
            ["iat"] = now,
            ["exp"] = now + 3600,
            ["auth_time"] = now,
            ["firebase"] = new Dictionary<string, object> { ["sign_in_provider"] = "password", ["identities"] = new Dictionary<string, object>() },
        };
    }

    private static Task<TestApp> StartEmulatorAppAsync() => TestApp.StartAsync("Staging", new Dictionary<string, string?>
    {
        ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9099",
    });

    [Fact]
    public async Task Unsigned_emulator_token_is_accepted_when_the_emulator_host_is_set()
    {
        await using var app = await StartEmulatorAppAsync();

        var response = await app.GetAsync("/v1/me", TestIssuer.UnsignedToken(EmulatorClaims("emu-ada")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("emu-ada", me.GetProperty("uid").GetString());
    }

    [Theory]
    [InlineData("aud")]
    [InlineData("iss")]
    [InlineData("exp")]
    [InlineData("sub")]
    public async Task Emulator_mode_still_checks_audience_issuer_lifetime_and_subject(string broken)
    {
        await using var app = await StartEmulatorAppAsync();
        var claims = EmulatorClaims();
        switch (broken)
        {
            case "aud": claims["aud"] = "another-project"; break;
            case "iss": claims["iss"] = "https://securetoken.google.com/another-project"; break;
            case "exp": claims["exp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 600; break;
            case "sub": claims["sub"] = ""; break;
        }

        var response = await app.GetAsync("/v1/me", TestIssuer.UnsignedToken(claims));

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, ProblemCodes.Unauthorized);
    }

    [Fact]
    public async Task Unsigned_token_is_rejected_in_staging_without_the_emulator_host()
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var app = await TestApp.StartAsync("Staging", new Dictionary<string, string?> { ["Auth:IssuerBaseUrl"] = issuer.BaseUrl });

        var response = await app.GetAsync("/v1/me", TestIssuer.UnsignedToken(issuer.ValidClaims()));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}

public sealed class DevTokenTests
{
    private static async Task<HttpResponseMessage> MintAsync(TestApp app, object body) =>
        await app.Client.PostAsJsonAsync("/dev/tokens", body, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Development_mints_emulator_format_tokens_that_the_service_accepts()
    {
        await using var app = await TestApp.StartAsync("Development");

        var minted = await MintAsync(app, new { uid = "dev-ada", email = "ada@example.com", name = "Ada", claims = new { admin = true, plan = "pro" } });

        Assert.Equal(HttpStatusCode.OK, minted.StatusCode);
        var body = await minted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(3600, body.GetProperty("expiresIn").GetInt32());
        var token = body.GetProperty("idToken").GetString()!;
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal("", parts[2]);
        using var header = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[0]));
        Assert.Equal("none", header.RootElement.GetProperty("alg").GetString());
        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(parts[1]));
        Assert.Equal($"https://securetoken.google.com/{TestApp.ProjectId}", payload.RootElement.GetProperty("iss").GetString());
        Assert.Equal(TestApp.ProjectId, payload.RootElement.GetProperty("aud").GetString());
        Assert.Equal("dev-ada", payload.RootElement.GetProperty("sub").GetString());
        Assert.Equal("custom", payload.RootElement.GetProperty("firebase").GetProperty("sign_in_provider").GetString());
        Assert.Equal(
            payload.RootElement.GetProperty("iat").GetInt64() + 3600,
            payload.RootElement.GetProperty("exp").GetInt64());

        var me = await app.GetAsync("/v1/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        var user = await me.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal("dev-ada", user.GetProperty("uid").GetString());
        Assert.Equal("ada@example.com", user.GetProperty("email").GetString());
        Assert.True(user.GetProperty("admin").GetBoolean());
        Assert.Equal("pro", user.GetProperty("plan").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/v1/admin", token)).StatusCode);
    }

    [Fact]
    public async Task Development_without_a_project_setting_uses_the_demo_project()
    {
        await using var app = await TestApp.StartAsync("Development", new Dictionary<string, string?> { ["GOOGLE_CLOUD_PROJECT"] = "" });

        var minted = await MintAsync(app, new { uid = "dev-bob" });
        var token = (await minted.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("idToken").GetString()!;

        using var payload = JsonDocument.Parse(Base64Url.DecodeFromChars(token.Split('.')[1]));
        Assert.Equal(PlatformOptions.DevelopmentProjectId, payload.RootElement.GetProperty("aud").GetString());
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/v1/me", token)).StatusCode);
    }

    [Theory]
    [InlineData("""{"uid":""}""", "uid")]
    [InlineData("""{"uid":"has space"}""", "uid")]
    [InlineData("""{"uid":"a/b"}""", "uid")]
    [InlineData("""{"email":"x@example.com"}""", "uid")]
    [InlineData("""{"uid":"ok","email":"not-an-email"}""", "email")]
    [InlineData("""{"uid":"ok","claims":{"sub":"someone-else"}}""", "claims")]
    public async Task Invalid_dev_token_requests_are_400_validation_problems(string json, string field)
    {
        await using var app = await TestApp.StartAsync("Development");

        var response = await app.Client.PostAsync(
            "/dev/tokens", new StringContent(json, Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Overlong_uid_is_rejected()
    {
        await using var app = await TestApp.StartAsync("Development");

        var response = await MintAsync(app, new { uid = new string('a', 129) });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, ProblemCodes.ValidationFailed);
    }

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    public async Task Dev_token_endpoint_is_404_outside_development(string environment)
    {
        await using var issuer = await TestIssuer.StartAsync();
        await using var app = await TestApp.StartAsync(environment, new Dictionary<string, string?> { ["Auth:IssuerBaseUrl"] = issuer.BaseUrl });

        var response = await MintAsync(app, new { uid = "attacker" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, ProblemCodes.NotFound);
    }
}
