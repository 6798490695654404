using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace PocketCode.Platform.Tests.Infrastructure;

public sealed record EchoRequest(string Name, int Count);

/// <summary>
/// A tiny service built the way real services are (AddServiceDefaults, UseServiceDefaults,
/// MapDefaultEndpoints) and run on real Kestrel on a loopback port.
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string ProjectId = "demo-platform-test";
    public const string ServiceName = "platform-test";

    // Appears only in an exception message; a response that contains it leaks internals.
    public const string SecretMessage = "connection string Password=hunter2 at db.internal";

    private TestApp(WebApplication app, LogSink logs)
    {
        App = app;
        Logs = logs;
        BaseAddress = new Uri(app.Urls.First().Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));
        Client = new HttpClient { BaseAddress = BaseAddress };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public LogSink Logs { get; }

    public Uri BaseAddress { get; }

    /// <summary>
    /// A builder isolated from the machine: settings that the process environment might carry
    /// (an emulator host exported for other test suites, a PORT) are blanked unless given.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder(string environment, IDictionary<string, string?>? settings = null, bool explicitUrls = true)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            EnvironmentName = environment,
            ApplicationName = typeof(TestApp).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = explicitUrls ? ["--urls", "http://127.0.0.1:0"] : [],
        });
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["GOOGLE_CLOUD_PROJECT"] = ProjectId,
            ["FIREBASE_AUTH_EMULATOR_HOST"] = "",
            ["PORT"] = "",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "",
            ["OpenApi:Enabled"] = null,
            // Generous limits for the suites that send many requests; HardeningTests sets small ones.
            ["RateLimits:UserBurst"] = "100000",
            ["RateLimits:AnonymousBurst"] = "100000",
        };
        if (!explicitUrls)
        {
            values["urls"] = "";
            values["http_ports"] = "";
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(values);
        return builder;
    }

    public static async Task<TestApp> StartAsync(string environment, IDictionary<string, string?>? settings = null, bool explicitUrls = true, ServiceExposure exposure = ServiceExposure.Public)
    {
        var builder = CreateBuilder(environment, settings, explicitUrls);
        builder.AddServiceDefaults(ServiceName, exposure);

        var logs = new LogSink();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddProvider(logs);

        builder.Services.AddHealthChecks()
            .AddCheck("store", () => builder.Configuration.GetValue("Test:StoreReady", true)
                ? HealthCheckResult.Healthy("store reachable")
                : HealthCheckResult.Unhealthy("store unreachable"), tags: [HealthEndpoints.ReadyTag])
            .AddCheck("queue", () => builder.Configuration.GetValue("Test:QueueThrows", false)
                ? throw new InvalidOperationException(SecretMessage)
                : HealthCheckResult.Healthy(), tags: [HealthEndpoints.ReadyTag]);
        builder.Services.AddProblemMapping<TimeoutException>(_ =>
            new ProblemException(503, "store_timeout", "The store did not answer in time; retry shortly."));

        var app = builder.Build();
        app.UseServiceDefaults();
        MapTestEndpoints(app);
        app.MapDefaultEndpoints();
        await app.StartAsync(TestContext.Current.CancellationToken);
        return new TestApp(app, logs);
    }

    private static void MapTestEndpoints(WebApplication app)
    {
        app.MapGet("/v1/me", (ICurrentUser user, HttpContext http) => new
        {
            uid = user.Uid,
            email = user.Email,
            emailVerified = user.EmailVerified,
            name = user.Name,
            admin = user.IsAdmin,
            signInProvider = user.SignInProvider,
            plan = user.FindClaim("plan"),
            scheme = http.Request.Scheme,
            remoteIp = http.Connection.RemoteIpAddress?.ToString(),
        });
        app.MapGet("/v1/admin", () => "ok").RequireAuthorization(PlatformPolicies.Admin);
        app.MapPost("/v1/echo", (EchoRequest body) => body);
        app.MapPost("/v1/upload", async (HttpRequest request) =>
        {
            var buffer = new byte[8192];
            long total = 0;
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
            }

            return new { bytes = total };
        });
        app.MapGet("/v1/boom", string () => throw new InvalidOperationException(SecretMessage));
        app.MapGet("/v1/conflict", string () => throw new ProblemException(
            409, ProblemCodes.Conflict, "Version 3 already exists.", new Dictionary<string, object?> { ["currentVersion"] = 3 }));
        app.MapGet("/v1/timeout", string () => throw new TimeoutException(SecretMessage));
        app.MapGet("/v1/missing", () => Problems.NotFound("Project p1 was not found."));
        app.MapGet("/v1/invalid", () => Problems.Validation("name", "name is required."));
        app.MapGet("/v1/public", () => new { hello = "world", padding = new string('x', 4000) }).AllowAnonymous();
        app.MapGet("/v1/busy", string () => throw new ProblemException(429, ProblemCodes.RateLimited, "Slow down.").WithRetryAfter(TimeSpan.FromSeconds(2.2)));
        app.MapGet("/v1/fields", string () => throw new FieldErrors().Check("name", "name is required.").Check("", "Unknown member.").Check("name", "second message").ToException());
        app.MapGet("/v1/page", (int? pageSize) => new { size = PageSizes.Resolve(pageSize, 20, 100) });
    }

    public static HttpRequestMessage Request(HttpMethod method, string path, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? token = null) =>
        Client.SendAsync(Request(HttpMethod.Get, path, token), TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
    }
}
