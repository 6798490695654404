using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Providers;
using PocketCode.ApiProxy.Redis;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;
using Polly;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>
/// The AI routes under <c>/proxy/ai</c>: the app's simple call, Gemini's REST API and an
/// OpenAI-compatible chat completions route. Bodies pass through unchanged except where noted.
/// The handlers relay the provider's answer (or stream) to the response as it comes, so they
/// return no result.
/// </summary>
internal static class ProxyEndpoints
{
    public const string RateLimitPolicy = "ai";

    private static readonly HashSet<string> GeminiMethods = new(StringComparer.Ordinal) { "generateContent", "streamGenerateContent", "countTokens", "embedContent" };

    /// <summary>Options, provider clients with their own resilience pipelines, cache, rate limiter and the proxy's services.</summary>
    public static IServiceCollection AddProxy(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ProvidersOptions>()
            .Bind(configuration.GetSection(ProvidersOptions.SectionName))
            .PostConfigure(o => ProvidersOptions.ReadPlatformKeys(o, configuration))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProvidersOptions>, ProvidersOptionsValidator>();
        services.AddOptions<ProxyOptions>()
            .Bind(configuration.GetSection(ProxyOptions.SectionName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ProxyOptions>, ProxyOptionsValidator>();

        services.AddMemoryCache();
        services.AddBytesHybridCache(o =>
        {
            o.MaximumPayloadBytes = 64 * 1024 * 1024;
            o.MaximumKeyLength = 1024;
        });
        var redis = configuration[RedisConnection.ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(redis))
        {
            // Redis as HybridCache's second level (entries shared by all instances; HybridCache
            // treats a failing second level as a miss and keeps its in-memory level) and as the
            // shared rate limit's store. One connection for both, opened on first use.
            services.AddSingleton(sp => new RedisConnection(redis, sp.GetRequiredService<ILogger<RedisConnection>>()));
            services.AddStackExchangeRedisCache(_ => { });
            services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>((o, connection) =>
            {
                o.InstanceName = "pocketcode:api-proxy:cache:";
                o.ConnectionMultiplexerFactory = connection.GetAsync;
            });
        }

        services.AddAheadOfTimeOptions<ProvidersOptions>()
            .AddAheadOfTimeOptions<ProxyOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Caching.Memory.MemoryCacheOptions>()
            .AddAheadOfTimeOptions<Microsoft.Extensions.Caching.Hybrid.HybridCacheOptions>();
        services.AddSingleton<KeyResolver>();
        services.AddSingleton<ProviderClient>();
        services.AddSingleton<ResponseCache>();
        services.AddUsage();
        services.AddSingleton<ProxyService>();

        services.AddProviderClient(AiProviders.Gemini);
        services.AddProviderClient(AiProviders.OpenAi);
        services.AddProxyRateLimiting(useRedis: !string.IsNullOrWhiteSpace(redis));
        return services;
    }

    public static RouteGroupBuilder MapProxy(this IEndpointRouteBuilder endpoints)
    {
        var ai = endpoints.MapGroup("/proxy/ai").RequireRateLimiting(RateLimitPolicy);

        ai.MapPost("/generate", GenerateAsync)
            .WithName("Generate")
            .WithSummary("The app's simple AI call: {provider?, model, prompt | contents, generationConfig?, stream?}; the provider's response (or its event stream) comes back as is.");

        ai.MapPost("/gemini/v1beta/models/{target}", GeminiAsync)
            .WithName("GeminiNative")
            .WithSummary("Gemini REST pass-through: models/{model}:{generateContent|streamGenerateContent|countTokens|embedContent} (streamed as server-sent events).");

        ai.MapPost("/openai/v1/chat/completions", OpenAiAsync)
            .WithName("OpenAiChatCompletions")
            .WithSummary("OpenAI-compatible chat completions pass-through (\"stream\": true gives server-sent events).");
        return ai;
    }

    private static Task GenerateAsync(HttpContext http, ICurrentUser user, ProxyService proxy) => RunAsync(http, async body =>
    {
        using var document = JsonBodies.ParseObject(body);
        var request = JsonBodies.TranslateGenerate(document.RootElement);
        var method = request.Provider == AiProviders.Gemini
            ? (request.Stream ? "streamGenerateContent" : "generateContent")
            : "chat.completions";
        using var translated = JsonDocument.Parse(request.Body);
        return (user.Uid, new ProxyCall(request.Provider, request.Model, method, request.Stream, request.Body, proxy.HashFor(request.Stream, translated.RootElement)));
    }, proxy);

    private static Task GeminiAsync(HttpContext http, string target, ICurrentUser user, ProxyService proxy) => RunAsync(http, body =>
    {
        var colon = target.LastIndexOf(':');
        var method = colon > 0 ? target[(colon + 1)..] : "";
        if (!GeminiMethods.Contains(method))
        {
            throw new ProblemException(404, ProblemCodes.NotFound, "Unknown Gemini method; the proxy serves models/{model}:generateContent, :streamGenerateContent, :countTokens and :embedContent.");
        }

        var model = JsonBodies.ValidModel(target[..colon]);
        using var document = JsonBodies.ParseObject(body);
        return Task.FromResult((user.Uid, new ProxyCall(AiProviders.Gemini, model, method, method == "streamGenerateContent", body, proxy.HashFor(method == "streamGenerateContent", document.RootElement))));
    }, proxy);

    private static Task OpenAiAsync(HttpContext http, ICurrentUser user, ProxyService proxy) => RunAsync(http, body =>
    {
        using var document = JsonBodies.ParseObject(body);
        var root = document.RootElement;
        var model = JsonBodies.ValidModel(root.TryGetProperty("model", out var m) ? m.GetStringOrNull() : null);
        var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        var upstreamBody = stream ? JsonBodies.WithStreamUsage(root, body) : body;
        return Task.FromResult((user.Uid, new ProxyCall(AiProviders.OpenAi, model, "chat.completions", stream, upstreamBody, proxy.HashFor(stream, root))));
    }, proxy);

    /// <summary>
    /// Reads the body, lets the route describe the call and runs it. A problem before the response
    /// started reaches the platform's exception handler, which writes it with its headers.
    /// </summary>
    private static async Task RunAsync(HttpContext http, Func<byte[], Task<(string Uid, ProxyCall Call)>> describe, ProxyService proxy)
    {
        var body = await ReadBodyAsync(http.Request);
        var (uid, call) = await describe(body);
        await proxy.ExecuteAsync(http, uid, call);
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        // The platform's body limit (Limits:MaxRequestBodyBytes) bounds this read.
        if (request.ContentLength is { } length and <= int.MaxValue)
        {
            var exact = new byte[length];
            await request.Body.ReadExactlyAsync(exact, request.HttpContext.RequestAborted);
            return exact;
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        return buffer.ToArray();
    }
}
