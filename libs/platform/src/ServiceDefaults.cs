using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Scalar.AspNetCore;

namespace PocketCode.Platform;

/// <summary>
/// What every PocketCode service shares, in three calls:
/// <code>
/// builder.AddServiceDefaults("bff");
/// var app = builder.Build();
/// app.UseServiceDefaults();
/// app.MapDefaultEndpoints();
/// </code>
/// </summary>
public static class ServiceDefaults
{
    /// <summary>
    /// Registers listening address, Firebase authentication with an authenticated-user fallback
    /// policy, problem details, health checks, OpenTelemetry, HttpClient resilience, forwarded
    /// headers, OpenAPI and per-caller rate limits; for a <see cref="ServiceExposure.Public"/>
    /// service also response compression, CORS and HSTS.
    /// </summary>
    /// <param name="serviceName">Service name in telemetry (<c>service.name</c>) and its ActivitySource/Meter name.</param>
    /// <param name="exposure">Whether the internet reaches the service or only the BFF does.</param>
    public static WebApplicationBuilder AddServiceDefaults(this WebApplicationBuilder builder, string serviceName, ServiceExposure exposure = ServiceExposure.Public)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        // Fail here, before anything is built, rather than at the first request.
        if (AuthOptions.EmulatorRefusal(builder.Configuration[AuthOptions.EmulatorHostKey], builder.Environment) is { } refusal)
        {
            throw new InvalidOperationException(refusal);
        }

        builder.ConfigureListenUrl();

        var services = builder.Services;
        services.AddOptions<PlatformOptions>()
            .Configure<IConfiguration, IHostEnvironment>((o, configuration, environment) =>
            {
                o.ServiceName = serviceName;
                o.Exposure = exposure;
                o.ProjectId = PlatformOptions.ResolveProjectId(configuration, environment);
            })
            .ValidateOnStart();
        services.AddAheadOfTimeOptions<PlatformOptions>();
        services.AddSingleton<IValidateOptions<PlatformOptions>, PlatformOptionsValidator>();

        services.AddPlatformProblemDetails();
        services.AddPlatformHttp(exposure);
        services.AddPlatformHardening(exposure);
        services.AddPlatformAuthentication();
        services.AddHealthChecks();
        services.AddPlatformOpenApi();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureHttpClientDefaults(http => http.AddStandardResilienceHandler());
        builder.AddPlatformTelemetry(serviceName);
        services.AddFrameworkAheadOfTimeOptions();
        return builder;
    }

    /// <summary>
    /// ASP.NET Core's own options every service resolves at start-up or on its first requests,
    /// registered closed (see <see cref="AheadOfTimeOptions"/>); the platform's own options, and
    /// the public-edge ones, are registered closed where they are added.
    /// </summary>
    private static void AddFrameworkAheadOfTimeOptions(this IServiceCollection services) =>
        services.AddAheadOfTimeOptions<Microsoft.Extensions.Hosting.HostOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Hosting.ConsoleLifetimeOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Logging.LoggerFilterOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>()
            .AddAheadOfTimeOptions<RouteOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Routing.RouteHandlerOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Http.Features.FormOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.WebEncoders.WebEncoderOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Builder.ForwardedHeadersOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Builder.ExceptionHandlerOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Builder.StatusCodePagesOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Http.ProblemDetailsOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.RateLimiting.RateLimiterOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Authentication.AuthenticationOptions>()
            .AddAheadOfTimeOptions<JwtBearerOptions>()
            .AddAheadOfTimeOptions<AuthorizationOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckServiceOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Http.HttpClientFactoryOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions>();

    /// <summary>
    /// Adds the shared middleware in order: forwarded headers, security headers (and for a public
    /// service HSTS and CORS), exception handler, status code problem pages, compression (public
    /// services), routing, body-size check, authentication, rate limits and authorization.
    /// Call it right after <c>Build()</c>, before a service's own middleware.
    /// </summary>
    public static WebApplication UseServiceDefaults(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        // Resolving the options runs their validators now, so a missing setting stops start-up
        // with its name instead of surfacing on the first request.
        var exposure = app.Services.GetRequiredService<IOptions<PlatformOptions>>().Value.Exposure;
        _ = app.Services.GetRequiredService<IOptions<AuthOptions>>().Value;
        _ = app.Services.GetRequiredService<IOptions<LimitsOptions>>().Value;

        app.UseForwardedHeaders();
        app.UseEdgeHardening(exposure);
        app.UseExceptionHandler();
        // Responses that end with an error status and no body (404, 405, an empty 400) get a problem body.
        app.UseStatusCodePages();
        if (exposure == ServiceExposure.Public)
        {
            app.UseResponseCompression();
        }

        app.UseRouting();
        app.UseMiddleware<RequestBodyLimitMiddleware>();
        app.UseAuthentication();
        // Between the two: the caller is known (limited by uid), and anonymous calls to protected
        // routes are limited by address before they are refused.
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>
    /// Maps <c>/health/live</c> and <c>/health/ready</c> everywhere; in Development also
    /// <c>POST /dev/tokens</c>, the Scalar page at <c>/scalar</c> and the OpenAPI document at
    /// <c>/openapi/v1.json</c> (the document elsewhere only with <c>OpenApi:Enabled=true</c>).
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHealthEndpoints();

        var development = app.Environment.IsDevelopment();
        if (development)
        {
            app.MapDevTokens();
        }

        // The document describes every route of a service; outside Development it is opt-in so
        // production does not publish its surface unless someone decides to.
        var openApi = app.Configuration.GetValue<bool?>(OpenApiExtensions.EnabledKey) ?? development;
        if (openApi)
        {
            app.MapOpenApi(OpenApiExtensions.DocumentRoutePattern).AllowAnonymous();
        }

        if (development)
        {
            app.MapScalarApiReference(OpenApiExtensions.ReferencePath, o => o.WithOpenApiRoutePattern(OpenApiExtensions.DocumentRoutePattern))
                .AllowAnonymous();
        }

        return app;
    }
}

internal static class AuthenticationSetup
{
    public static IServiceCollection AddPlatformAuthentication(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .Configure<IConfiguration>((o, configuration) =>
                o.EmulatorHost = configuration[AuthOptions.EmulatorHostKey] is { } host && !string.IsNullOrWhiteSpace(host) ? host.Trim() : null)
            .ValidateOnStart();
        services.AddAheadOfTimeOptions<AuthOptions>();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();

        services.AddSingleton<ValidatedTokenCache>();
        services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        services.AddSingleton<IConfigureOptions<JwtBearerOptions>, FirebaseJwtBearerSetup>();

        services.AddAuthorizationBuilder()
            // Secure by default: an endpoint is public only when it says AllowAnonymous.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(JwtBearerDefaults.AuthenticationScheme).RequireAuthenticatedUser().Build())
            .AddPolicy(PlatformPolicies.Admin, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireAssertion(context => context.User.IsAdmin()));
        services.AddSingleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, RouteAwareAuthorizationResultHandler>();

        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentUser, CurrentUser>();
        return services;
    }
}
