using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>Rate limits and security headers shared by every service; CORS and HSTS for public ones.</summary>
internal static class HardeningExtensions
{
    public const string CorsPolicy = "platform";

    public static IServiceCollection AddPlatformHardening(this IServiceCollection services, ServiceExposure exposure)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddAheadOfTimeOptions<RateLimitOptions>();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();

        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                var o = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                if (!o.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter("off");
                }

                // After authentication: a signed-in caller is counted by uid wherever they connect
                // from; anonymous callers by address (the client's, after forwarded headers).
                var uid = http.User.FindUid();
                return uid is not null
                    ? RateLimitPartition.GetTokenBucketLimiter("user:" + uid, _ => Bucket(o.UserBurst, o.UserPerSecond))
                    : RateLimitPartition.GetTokenBucketLimiter("ip:" + http.Connection.RemoteIpAddress, _ => Bucket(o.AnonymousBurst, o.AnonymousPerSecond));
            });
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
                http.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await Problems.Create(StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests; wait for the time in Retry-After and try again.").ExecuteAsync(http);
            };
        });

        if (exposure == ServiceExposure.Internal)
        {
            return services;
        }

        services.AddOptions<CorsSettings>().BindConfiguration(CorsSettings.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CorsSettings>, CorsSettingsValidator>();
        services.AddAheadOfTimeOptions<CorsSettings>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .AddAheadOfTimeOptions<Microsoft.AspNetCore.HttpsPolicy.HstsOptions>();
        services.AddCors();
        services.AddOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>()
            .Configure<IOptions<CorsSettings>>((cors, settings) => cors.AddPolicy(CorsPolicy, policy =>
            {
                var origins = settings.Value.AllowedOrigins.Select(o => o.TrimEnd('/')).ToArray();
                policy.WithOrigins(origins)
                    .WithMethods("GET", "POST", "PUT", "PATCH", "DELETE")
                    .WithHeaders("Authorization", "Content-Type", "If-Match", "If-None-Match", "Idempotency-Key")
                    .WithExposedHeaders("ETag", "Location", "Retry-After")
                    .SetPreflightMaxAge(TimeSpan.FromHours(1));
            }));

        services.AddHsts(o =>
        {
            o.MaxAge = TimeSpan.FromDays(365);
            o.IncludeSubDomains = true;
        });
        return services;
    }

    /// <summary>Headers, HSTS and CORS: first in the pipeline so every answer (errors too) carries them.</summary>
    public static void UseEdgeHardening(this WebApplication app, ServiceExposure exposure)
    {
        _ = app.Services.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        app.UseMiddleware<SecurityHeadersMiddleware>();
        if (exposure == ServiceExposure.Internal)
        {
            return;
        }

        _ = app.Services.GetRequiredService<IOptions<CorsSettings>>().Value;
        if (!app.Environment.IsDevelopment())
        {
            // Only on https requests (Cloud Run's front end says so through X-Forwarded-Proto).
            app.UseHsts();
        }

        app.UseCors(CorsPolicy);
    }

    private static TokenBucketRateLimiterOptions Bucket(int burst, int perSecond) => new()
    {
        TokenLimit = burst,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
