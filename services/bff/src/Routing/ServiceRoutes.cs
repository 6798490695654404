using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.Options;
using PocketCode.Platform;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace PocketCode.Bff.Routing;

/// <summary>
/// <c>/v1/marketplace/**</c> → marketplace service, <c>/proxy/**</c> → API proxy, through YARP.
/// Paths, query, method, body and the user's <c>Authorization</c> go through unchanged: the
/// internal services validate the user's token themselves; the BFF only stops anonymous traffic.
/// </summary>
internal static class ServiceRoutes
{
    internal const string MarketplaceCluster = "marketplace";
    internal const string ApiProxyCluster = "api-proxy";
    private const string CloudRunServiceVariable = "K_SERVICE";

    public static IServiceCollection AddServiceRoutes(this IServiceCollection services)
    {
        services.AddOptions<ServiceRoutesOptions>().BindConfiguration(ServiceRoutesOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<ServiceRoutesOptions>, ServiceRoutesDefaults>();
        services.AddSingleton<IValidateOptions<ServiceRoutesOptions>, ServiceRoutesOptionsValidator>();
        services.AddSingleton<IGoogleIdTokenSource, ApplicationDefaultIdTokenSource>();

        // Built from the options when first asked for, so test and environment settings applied
        // after registration still count. YARP sends through its own HttpMessageInvoker, not
        // IHttpClientFactory, so the platform's 30 s resilience handler never cuts a stream; the
        // cluster's ActivityTimeout (an idle limit) is the only clock.
        services.AddSingleton<IProxyConfigProvider>(sp => CreateConfig(sp.GetRequiredService<IOptions<ServiceRoutesOptions>>().Value));
        services.AddReverseProxy().AddTransforms(AddTransforms);
        return services;
    }

    public static IEndpointRouteBuilder MapServiceRoutes(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapReverseProxy(proxy =>
        {
            proxy.Use(ProxyErrorsAsProblemsAsync);
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        return endpoints;
    }

    internal static InMemoryConfigProvider CreateConfig(ServiceRoutesOptions options)
    {
        var request = new ForwarderRequestConfig { ActivityTimeout = options.ProxyActivityTimeout };
        RouteConfig Route(string id, string cluster, string path) => new()
        {
            RouteId = id,
            ClusterId = cluster,
            Match = new RouteMatch { Path = path },
            // Explicit, not left to the fallback policy: anonymous traffic stops at the edge.
            AuthorizationPolicy = "default",
        };
        ClusterConfig Cluster(string id, string url) => new()
        {
            ClusterId = id,
            HttpRequest = request,
            Destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
            {
                [id] = new DestinationConfig { Address = url },
            },
        };

        return new InMemoryConfigProvider(
            [
                Route("marketplace", MarketplaceCluster, "/v1/marketplace/{**rest}"),
                Route("api-proxy", ApiProxyCluster, "/proxy/{**rest}"),
            ],
            [
                Cluster(MarketplaceCluster, options.Marketplace.Url!),
                Cluster(ApiProxyCluster, options.ApiProxy.Url!),
            ]);
    }

    /// <summary>
    /// A typed client of the marketplace: its base address from <c>Services:Marketplace:Url</c> and,
    /// on Cloud Run, the BFF's Google ID token on every call (<see cref="GoogleIdTokenHandler"/>).
    /// </summary>
    public static IHttpClientBuilder AddMarketplaceClient<TClient>(this IServiceCollection services)
        where TClient : class =>
        services.AddHttpClient<TClient>((sp, http) =>
            {
                var url = sp.GetRequiredService<IOptions<ServiceRoutesOptions>>().Value.Marketplace.Url!;
                http.BaseAddress = new Uri(url.EndsWith('/') ? url : url + "/");
            })
            .AddHttpMessageHandler(sp =>
            {
                var options = sp.GetRequiredService<IOptions<ServiceRoutesOptions>>().Value;
                var audience = UsesGoogleIdTokens(options, sp.GetRequiredService<IConfiguration>())
                    ? GoogleIdTokenHandler.AudienceOf(options.Marketplace.Url!)
                    : null;
                return new GoogleIdTokenHandler(sp.GetRequiredService<IGoogleIdTokenSource>(), audience);
            });

    internal static bool UsesGoogleIdTokens(ServiceRoutesOptions options, IConfiguration configuration) =>
        options.UseGoogleIdTokens ?? !string.IsNullOrEmpty(configuration[CloudRunServiceVariable]);

    private static void AddTransforms(TransformBuilderContext context)
    {
        // Only the BFF vouches for itself to Cloud Run; a client's own header never goes through.
        context.AddRequestHeaderRemove(GoogleIdTokenHandler.HeaderName);

        var services = context.Services;
        var options = services.GetRequiredService<IOptions<ServiceRoutesOptions>>().Value;
        if (UsesGoogleIdTokens(options, services.GetRequiredService<IConfiguration>())
            && context.Cluster?.Destinations?.Values.FirstOrDefault()?.Address is { } address)
        {
            var audience = GoogleIdTokenHandler.AudienceOf(address);
            var tokens = services.GetRequiredService<IGoogleIdTokenSource>();
            context.AddRequestTransform(transform =>
                new ValueTask(GoogleIdTokenHandler.ApplyAsync(transform.ProxyRequest, tokens, audience, transform.HttpContext.RequestAborted)));
        }

        context.AddResponseTransform(transform =>
        {
            if (transform.ProxyResponse?.Content.Headers.ContentType?.MediaType == "text/event-stream")
            {
                // Events must reach the phone one by one: no compression (it would hold bytes
                // back until a block fills) and no buffering anywhere on the way out.
                var http = transform.HttpContext;
                if (http.Features.Get<IHttpsCompressionFeature>() is { } compression)
                {
                    compression.Mode = HttpsCompressionMode.DoNotCompress;
                }

                http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                http.Response.Headers["X-Accel-Buffering"] = "no";
            }

            return ValueTask.CompletedTask;
        });
    }

    /// <summary>
    /// YARP answers a failed forward with a bare status; the phone gets a problem body naming the
    /// service instead, as from every other BFF endpoint.
    /// </summary>
    private static async Task ProxyErrorsAsProblemsAsync(HttpContext http, Func<Task> next)
    {
        await next();
        var error = http.Features.Get<IForwarderErrorFeature>();
        if (error is null || http.Response.HasStarted)
        {
            return;
        }

        var service = http.GetReverseProxyFeature().Route.Config.ClusterId;
        var result = error.Error switch
        {
            ForwarderError.RequestTimedOut => Problems.Create(StatusCodes.Status504GatewayTimeout, ProblemCodes.GatewayTimeout, $"The {service} service did not answer in time; try again."),
            ForwarderError.NoAvailableDestinations => Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, $"The {service} service is not available; try again later."),
            ForwarderError.RequestCanceled => null,
            _ when http.Response.StatusCode == StatusCodes.Status503ServiceUnavailable => Problems.Create(StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, $"The {service} service is not available; try again later."),
            _ => Problems.Create(StatusCodes.Status502BadGateway, ProblemCodes.BadGateway, $"The {service} service could not be reached; try again later."),
        };
        if (result is not null)
        {
            await result.ExecuteAsync(http);
        }
    }
}
