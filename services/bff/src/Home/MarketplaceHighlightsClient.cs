using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PocketCode.Bff.Home;

/// <summary>The marketplace's highlights, or why there are none.</summary>
internal sealed record MarketplaceHighlights(bool Available, IReadOnlyList<JsonElement> Items)
{
    public static MarketplaceHighlights Unavailable { get; } = new(false, []);
}

/// <summary>
/// <c>GET {marketplace}/v1/marketplace/highlights</c> with the user's own token. Every failure
/// (refused, 404, 5xx, slow, malformed) is "unavailable": the home screen never fails for it.
/// </summary>
internal sealed partial class MarketplaceHighlightsClient(
    HttpClient http,
    IOptions<HomeOptions> options,
    ILogger<MarketplaceHighlightsClient> logger)
{
    public const string Path = "v1/marketplace/highlights";

    public async Task<MarketplaceHighlights> GetAsync(string? authorization, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.MarketplaceTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Path);
            if (!string.IsNullOrEmpty(authorization))
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization);
            }

            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                LogUnavailable(logger, $"status {(int)response.StatusCode}");
                return MarketplaceHighlights.Unavailable;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            using var json = await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token);
            return Parse(json.RootElement) is { } items ? new MarketplaceHighlights(true, items) : MarketplaceHighlights.Unavailable;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, "timed out");
            return MarketplaceHighlights.Unavailable;
        }
        catch (Exception ex) when (ex is HttpRequestException or JsonException or InvalidOperationException)
        {
            LogUnavailable(logger, ex.GetType().Name + ": " + ex.Message);
            return MarketplaceHighlights.Unavailable;
        }
    }

    /// <summary>Accepts <c>{"highlights":[...]}</c> or a bare array; anything else is not an answer.</summary>
    private static List<JsonElement>? Parse(JsonElement root)
    {
        var array = root.ValueKind switch
        {
            JsonValueKind.Array => root,
            JsonValueKind.Object when root.TryGetProperty("highlights", out var h) && h.ValueKind == JsonValueKind.Array => h,
            _ => (JsonElement?)null,
        };
        return array?.EnumerateArray().Select(e => e.Clone()).ToList();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Marketplace highlights unavailable for the home screen: {Reason}")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
