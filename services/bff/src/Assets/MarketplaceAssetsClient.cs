using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Serialization;
using PocketCode.Bff.Routing;
using PocketCode.Platform;

namespace PocketCode.Bff.Assets;

internal sealed record MarketplaceAssetInfo(string Id, string Kind, string Title);

internal sealed record MarketplaceDownload(Uri Url, string Sha256, long Size, string Version);

/// <summary>
/// The marketplace as the install feature needs it: an asset's kind and a version's signed download
/// URL with its SHA-256 and size, asked for with the user's own token (the marketplace applies its
/// visibility rules to the user) (the Google ID token for Cloud Run comes from <see cref="GoogleIdTokenHandler"/>).
/// </summary>
internal sealed class MarketplaceAssetsClient(HttpClient http)
{
    public async Task<MarketplaceAssetInfo> GetAssetAsync(string? authorization, string assetId, CancellationToken cancellationToken) =>
        await GetAsync<MarketplaceAssetInfo>(authorization, $"v1/marketplace/assets/{Uri.EscapeDataString(assetId)}", cancellationToken);

    public async Task<MarketplaceDownload> GetDownloadAsync(string? authorization, string assetId, string version, CancellationToken cancellationToken) =>
        await GetAsync<MarketplaceDownload>(authorization, $"v1/marketplace/assets/{Uri.EscapeDataString(assetId)}/versions/{Uri.EscapeDataString(version)}/download", cancellationToken);

    private async Task<T> GetAsync<T>(string? authorization, string path, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (!string.IsNullOrEmpty(authorization))
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException)
        {
            throw Unavailable();
        }

        using (response)
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                throw ProblemException.NotFound("The marketplace has no such asset or published version.");
            }

            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable();
            }

            return await response.Content.ReadFromJsonAsync<T>(cancellationToken) ?? throw Unavailable();
        }
    }

    private static ProblemException Unavailable() =>
        new(StatusCodes.Status502BadGateway, ProblemCodes.BadGateway, "The marketplace did not answer as expected; try again later.");
}

/// <summary>Body of <c>POST /v1/projects/{id}/assets</c>.</summary>
internal sealed record InstallAssetRequest
{
    public string? AssetId { get; init; }

    public string? Version { get; init; }

    /// <summary>A component's folder in the project; templates go to the root.</summary>
    public string? Path { get; init; }

    public bool Overwrite { get; init; }
}

internal sealed record InstallAssetResponse(
    string AssetId,
    string Version,
    string Kind,
    string? Path,
    int Written,
    int Overwritten,
    IReadOnlyList<string> Files,
    [property: JsonPropertyName("etag")] string ETag);
