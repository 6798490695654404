using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using Polly.CircuitBreaker;
using Polly.Timeout;
using PocketCode.ApiProxy.Providers;
using PocketCode.Platform;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>
/// Sends one call to a provider through its named <see cref="HttpClient"/> (own resilience
/// pipeline: retry for non-streaming calls, circuit breaker per provider address, attempt timeout)
/// and turns transport failures into problems that name the provider, never the key.
/// </summary>
internal sealed partial class ProviderClient(IHttpClientFactory factory, IOptions<ProxyOptions> options, ILogger<ProviderClient> logger)
{
    /// <summary>Marks a streamed call, which the retry strategy must never repeat.</summary>
    public static readonly HttpRequestOptionsKey<bool> StreamOption = new("pocketcode.stream");

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    /// <summary>Sends the call and returns once the response headers are in (the body is still to read).</summary>
    public async Task<HttpResponseMessage> SendAsync(ResolvedKey key, Uri endpoint, byte[] body, bool stream, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = Json;
        request.Options.Set(StreamOption, stream);
        if (stream)
        {
            request.Headers.Accept.Add(EventStream);
        }

        AiProviders.ApplyKey(request, key.Provider, key.Key);
        var client = factory.CreateClient(key.Provider);
        try
        {
            return await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (Exception e) when (Classify(e, key.Provider, cancellationToken) is { } problem)
        {
            LogUpstreamFailure(logger, key.Provider, problem.Status, e.GetType().Name);
            throw problem;
        }
    }

    /// <summary>Reads a whole non-streaming body, bounded in size and in time (<see cref="ProxyOptions.Timeout"/>).</summary>
    public async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, string provider, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var max = options.Value.MaxResponseBytes;
        if (response.Content.Headers.ContentLength > max)
        {
            throw TooLarge(provider, max);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Timeout);
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            if (response.Content.Headers.ContentLength is { } length)
            {
                // The usual case: one array of the announced size (checked against the limit above);
                // a body that ends short is an IOException, a broken-off response (502).
                var exact = new byte[length];
                await stream.ReadExactlyAsync(exact, timeout.Token);
                return exact;
            }

            using var buffer = new MemoryStream(4096);
            var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(chunk, timeout.Token)) > 0)
                {
                    if (buffer.Length + read > max)
                    {
                        throw TooLarge(provider, max);
                    }

                    buffer.Write(chunk, 0, read);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }

            return buffer.ToArray();
        }
        catch (Exception e) when (e is not ProblemException && Classify(e, provider, cancellationToken) is { } problem)
        {
            LogUpstreamFailure(logger, provider, problem.Status, e.GetType().Name);
            throw problem;
        }
    }

    /// <summary>The problem for a provider status that is a failure of the provider (429 and 5xx); null for others.</summary>
    public static ProblemException? FromStatus(HttpResponseMessage response, string provider)
    {
        ArgumentNullException.ThrowIfNull(response);
        var name = AiProviders.DisplayName(provider);
        var status = (int)response.StatusCode;
        var retryAfter = response.Headers.RetryAfter is { } header
            ? header.Delta ?? (header.Date is { } date ? date - DateTimeOffset.UtcNow : null)
            : null;
        return status switch
        {
            429 => ProxyProblems.Create(429, ProblemCodes.RateLimited, $"The {name} provider ({provider}) is rate limiting these calls; retry later.", provider, retryAfter is { } r && r > TimeSpan.Zero ? r : TimeSpan.FromSeconds(5)),
            503 => ProxyProblems.Create(503, ProblemCodes.ServiceUnavailable, $"The {name} provider ({provider}) is unavailable (HTTP 503); retry later.", provider, retryAfter is { } s && s > TimeSpan.Zero ? s : null),
            504 => ProxyProblems.Create(504, ProblemCodes.GatewayTimeout, $"The {name} provider ({provider}) timed out (HTTP 504).", provider),
            >= 500 => ProxyProblems.Create(502, ProblemCodes.BadGateway, $"The {name} provider ({provider}) failed with HTTP {status}.", provider),
            _ => null,
        };
    }

    private static ProblemException? Classify(Exception e, string provider, CancellationToken cancellationToken)
    {
        var name = AiProviders.DisplayName(provider);
        return e switch
        {
            BrokenCircuitException => ProxyProblems.Create(503, ProblemCodes.ServiceUnavailable, $"The {name} provider ({provider}) has been failing; calls to it are paused briefly.", provider, TimeSpan.FromSeconds(5)),
            TimeoutRejectedException => ProxyProblems.Create(504, ProblemCodes.GatewayTimeout, $"The {name} provider ({provider}) did not answer in time.", provider),
            OperationCanceledException when !cancellationToken.IsCancellationRequested => ProxyProblems.Create(504, ProblemCodes.GatewayTimeout, $"The {name} provider ({provider}) did not answer in time.", provider),
            HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.SecureConnectionError } =>
                ProxyProblems.Create(502, ProblemCodes.BadGateway, $"The {name} provider ({provider}) could not be reached.", provider),
            HttpRequestException or IOException => ProxyProblems.Create(502, ProblemCodes.BadGateway, $"The {name} provider ({provider}) broke off the response.", provider),
            _ => null,
        };
    }

    private static ProblemException TooLarge(string provider, int max) =>
        ProxyProblems.Create(502, ProblemCodes.BadGateway, $"The {AiProviders.DisplayName(provider)} provider ({provider}) sent a response larger than {max} bytes.", provider);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} failed: answered as {Status} ({Failure})")]
    private static partial void LogUpstreamFailure(ILogger logger, string provider, int status, string failure);
}
