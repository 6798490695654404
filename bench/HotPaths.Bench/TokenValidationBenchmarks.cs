using System.Security.Claims;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;
using PocketCode.Platform;

namespace PocketCode.HotPaths.Bench;

/// <summary>
/// Firebase ID token validation on the production path: the services' own registration
/// (AddServiceDefaults: JwtBearer configured by FirebaseJwtBearerSetup for signed RS256 tokens in
/// Production, FirebaseJwtBearerEvents), authenticating a request through the authentication
/// service. The only stand-in is the key source: the issuer's signing keys come from a locally
/// generated RSA key (a static OpenID configuration) instead of Google's JWKS, so there is no network.
/// <see cref="Cached"/> false is a token seen for the first time (full validation, the validated-token
/// cache off); true is the same token again, as every call after a client's first.
/// </summary>
[MemoryDiagnoser]
public class TokenValidationBenchmarks
{
    private const string ProjectId = "demo-pocketcode";
    private WebApplication app = null!;
    private string token = null!;
    private RSA rsa = null!;

    [Params(false, true)]
    public bool Cached { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "bench-key" };
        const string issuerBase = "http://127.0.0.1:9";
        var issuer = $"{issuerBase}/{ProjectId}";

        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.Configuration["GOOGLE_CLOUD_PROJECT"] = ProjectId;
        builder.Configuration["Auth:IssuerBaseUrl"] = issuerBase;
        builder.Configuration["Logging:LogLevel:Default"] = "Warning";
        builder.Configuration["Auth:ValidatedTokenCacheSize"] = Cached ? "10000" : "0";
        builder.AddServiceDefaults("hot-paths");
        var configuration = new OpenIdConnectConfiguration { Issuer = issuer };
        configuration.SigningKeys.Add(key);
        builder.Services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration));
        app = builder.Build();

        var now = DateTime.UtcNow;
        token = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = ProjectId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddHours(1),
            Subject = new ClaimsIdentity([new Claim("sub", "bench-user"), new Claim("user_id", "bench-user")]),
            Claims = new Dictionary<string, object>
            {
                ["auth_time"] = new DateTimeOffset(now).ToUnixTimeSeconds(),
                ["email"] = "bench@example.com",
                ["email_verified"] = true,
                ["firebase"] = new Dictionary<string, object> { ["sign_in_provider"] = "password" },
            },
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

        if (ValidateAsync().GetAwaiter().GetResult() is not "bench-user")
        {
            throw new InvalidOperationException("The benchmark token did not validate.");
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        ((IDisposable)app).Dispose();
        rsa.Dispose();
    }

    /// <summary>One request's authentication: a request scope, the JwtBearer handler, signature and claims checks.</summary>
    [Benchmark]
    public async Task<string?> ValidateAsync()
    {
        await using var scope = app.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        context.Request.Headers.Authorization = "Bearer " + token;
        var result = await context.AuthenticateAsync(JwtBearerDefaults.AuthenticationScheme);
        return result.Succeeded ? result.Principal.FindFirst("sub")?.Value : throw new InvalidOperationException("Rejected: " + result.Failure?.Message);
    }
}
