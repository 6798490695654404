using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.Routing;

/// <summary>
/// The <c>Services</c> section: where the internal services live and how the BFF proves itself to
/// them. <c>Services:Marketplace:Url</c>, <c>Services:ApiProxy:Url</c>,
/// <c>Services:UseGoogleIdTokens</c>, <c>Services:ProxyActivityTimeout</c>.
/// </summary>
internal sealed class ServiceRoutesOptions
{
    public const string SectionName = "Services";
    public const string MarketplaceUrlKey = "Services:Marketplace:Url";
    public const string ApiProxyUrlKey = "Services:ApiProxy:Url";
    internal const string DevelopmentMarketplaceUrl = "http://127.0.0.1:8081";
    internal const string DevelopmentApiProxyUrl = "http://127.0.0.1:8082";

    public ServiceEndpoint Marketplace { get; set; } = new();

    public ServiceEndpoint ApiProxy { get; set; } = new();

    /// <summary>
    /// Adds the BFF's Google-signed ID token in <c>X-Serverless-Authorization</c>. Unset means
    /// "on when running on Cloud Run" (the <c>K_SERVICE</c> variable is present).
    /// </summary>
    public bool? UseGoogleIdTokens { get; set; }

    /// <summary>
    /// How long a proxied exchange may stay silent (no bytes either way) before it is cut. An idle
    /// limit rather than a total one, so an event stream lives as long as events keep coming.
    /// </summary>
    public TimeSpan ProxyActivityTimeout { get; set; } = TimeSpan.FromMinutes(10);
}

internal sealed class ServiceEndpoint
{
    public string? Url { get; set; }
}

/// <summary>Development gets the local ports the AppHost uses; elsewhere a missing address stops start-up.</summary>
internal sealed class ServiceRoutesDefaults(IHostEnvironment environment) : IPostConfigureOptions<ServiceRoutesOptions>
{
    public void PostConfigure(string? name, ServiceRoutesOptions options)
    {
        if (!environment.IsDevelopment())
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(options.Marketplace.Url))
        {
            options.Marketplace.Url = ServiceRoutesOptions.DevelopmentMarketplaceUrl;
        }

        if (string.IsNullOrWhiteSpace(options.ApiProxy.Url))
        {
            options.ApiProxy.Url = ServiceRoutesOptions.DevelopmentApiProxyUrl;
        }
    }
}

internal sealed class ServiceRoutesOptionsValidator : IValidateOptions<ServiceRoutesOptions>
{
    public ValidateOptionsResult Validate(string? name, ServiceRoutesOptions options)
    {
        var failures = new OptionsFailures(ServiceRoutesOptions.SectionName);
        Check(options.Marketplace.Url, ServiceRoutesOptions.MarketplaceUrlKey, failures);
        Check(options.ApiProxy.Url, ServiceRoutesOptions.ApiProxyUrlKey, failures);
        if (options.ProxyActivityTimeout <= TimeSpan.Zero)
        {
            failures.Add("Services:ProxyActivityTimeout must be positive.");
        }

        return failures.Result();
    }

    private static void Check(string? url, string key, OptionsFailures failures)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            failures.Add($"{key} is required (the internal service's base URL, e.g. https://marketplace-xyz.a.run.app).");
        }
        else if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            failures.Add($"{key} must be an absolute http(s) URL, not '{url}'.");
        }
    }
}
