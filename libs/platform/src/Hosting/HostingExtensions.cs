using System.IO.Compression;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

internal static class HostingExtensions
{
    public static void ConfigureListenUrl(this WebApplicationBuilder builder)
    {
        var url = ListenUrls.Select(
            builder.Configuration[WebHostDefaults.ServerUrlsKey],
            builder.Configuration[WebHostDefaults.HttpPortsKey],
            builder.Configuration[ListenUrls.PortKey],
            builder.Configuration.GetSection("Kestrel:Endpoints").Exists());
        if (url is not null)
        {
            builder.WebHost.UseUrls(url);
        }
    }

    public static IServiceCollection AddPlatformHttp(this IServiceCollection services, ServiceExposure exposure)
    {
        services.AddOptions<LimitsOptions>().BindConfiguration(LimitsOptions.SectionName).ValidateOnStart();
        services.AddAheadOfTimeOptions<LimitsOptions>();
        services.AddSingleton<IValidateOptions<LimitsOptions>, LimitsOptionsValidator>();
        services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
            {
                kestrel.Limits.MaxRequestBodySize = limits.Value.MaxRequestBodyBytes;
                // No "Server: Kestrel": the stack is nobody's business.
                kestrel.AddServerHeader = false;
            });

        services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Cloud Run's front end has no fixed address, and the container is reachable only
            // through it, so the one hop it appends is trusted (ForwardLimit stays 1: a client's
            // own X-Forwarded-For entries further left are ignored).
            options.KnownIPNetworks.Clear();
            options.KnownProxies.Clear();
        });

        if (exposure == ServiceExposure.Internal)
        {
            return services;
        }

        services.AddResponseCompression(options =>
        {
            // TLS ends at Cloud Run's front end, yet after forwarded headers the scheme is https.
            // BREACH needs a secret reflected next to attacker input in a cookie-authenticated
            // response; these APIs use bearer tokens, so compressing over https is safe here.
            options.EnableForHttps = true;
            options.Providers.Add<BrotliCompressionProvider>();
            options.Providers.Add<GzipCompressionProvider>();
            options.MimeTypes = ResponseCompressionDefaults.MimeTypes.Concat(["application/problem+json"]);
        });
        services.Configure<BrotliCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Fastest);
        services.AddAheadOfTimeOptions<ResponseCompressionOptions>()
            .AddAheadOfTimeOptions<BrotliCompressionProviderOptions>()
            .AddAheadOfTimeOptions<GzipCompressionProviderOptions>();
        return services;
    }
}
