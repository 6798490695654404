using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using PocketCode.Storage.Documents;

namespace PocketCode.Storage.Firestore;

/// <summary>Where <see cref="FirestoreDocumentStore"/> gets the OAuth access token it sends to production Firestore.</summary>
public interface IAccessTokenSource
{
    /// <summary>A currently valid bearer token (cached by the source; cheap to call per request).</summary>
    ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken);
}

/// <summary>
/// The service account's access token from the Google Cloud metadata server (Cloud Run, GCE, GKE):
/// <c>GET http://HOST/computeMetadata/v1/instance/service-accounts/default/token</c> with
/// <c>Metadata-Flavor: Google</c>, cached until shortly before it expires. HOST is
/// <c>GCE_METADATA_HOST</c> when set (Google's conventional override), else
/// <c>metadata.google.internal</c>.
/// Hand-written rather than Google.Apis.Auth's GoogleCredential: that library (and Newtonsoft.Json
/// under it) is not trimming/Native AOT safe, and the Native AOT API proxy uses this store. The
/// protocol is one GET and a three-field JSON answer.
/// </summary>
public sealed class MetadataServerTokenSource : IAccessTokenSource, IDisposable
{
    /// <summary>The environment variable Google's client libraries read to find the metadata server.</summary>
    public const string HostVariable = "GCE_METADATA_HOST";

    public const string DefaultHost = "metadata.google.internal";

    // Refresh this long before the stated expiry, so a token never expires in flight.
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private readonly HttpClient _http;
    private readonly Uri _tokenUri;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile CachedToken? _cached;

    /// <param name="host"><c>host[:port]</c> of the metadata server; null reads <see cref="HostVariable"/>, then the default.</param>
    public MetadataServerTokenSource(string? host = null, TimeProvider? time = null)
    {
        host ??= Environment.GetEnvironmentVariable(HostVariable);
        host = string.IsNullOrWhiteSpace(host) ? DefaultHost : host.Trim();
        _tokenUri = new Uri($"http://{host}/computeMetadata/v1/instance/service-accounts/default/token");
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectTimeout = TimeSpan.FromSeconds(5) })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public async ValueTask<string> GetAccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } token && _time.GetUtcNow() < token.RefreshAt)
        {
            return token.Value;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (_cached is { } again && _time.GetUtcNow() < again.RefreshAt)
            {
                return again.Value;
            }

            using var request = new HttpRequestMessage(HttpMethod.Get, _tokenUri);
            request.Headers.Add("Metadata-Flavor", "Google");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            using var response = await _http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new DocumentStoreException($"The metadata server ({_tokenUri.Authority}) refused an access token: HTTP {(int)response.StatusCode}.");
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var answer = await JsonSerializer.DeserializeAsync(body, MetadataJsonContext.Default.MetadataToken, cancellationToken);
            if (answer?.AccessToken is not { Length: > 0 } value)
            {
                throw new DocumentStoreException($"The metadata server ({_tokenUri.Authority}) answered without an access token.");
            }

            var lifetime = TimeSpan.FromSeconds(Math.Max(0, answer.ExpiresIn));
            var margin = lifetime > RefreshMargin * 2 ? RefreshMargin : lifetime / 2;
            _cached = new CachedToken(value, _time.GetUtcNow() + lifetime - margin);
            return value;
        }
        catch (HttpRequestException e)
        {
            throw new DocumentStoreException($"The metadata server ({_tokenUri.Authority}) could not be reached for an access token: {e.Message}", e);
        }
        finally
        {
            _refresh.Release();
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _refresh.Dispose();
    }

    private sealed record CachedToken(string Value, DateTimeOffset RefreshAt);
}

internal sealed class MetadataToken
{
    [JsonPropertyName("access_token")]
    public string? AccessToken { get; set; }

    [JsonPropertyName("expires_in")]
    public long ExpiresIn { get; set; }

    [JsonPropertyName("token_type")]
    public string? TokenType { get; set; }
}

[JsonSerializable(typeof(MetadataToken))]
internal sealed partial class MetadataJsonContext : JsonSerializerContext;
