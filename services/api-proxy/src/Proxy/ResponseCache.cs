using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Options;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>A provider response as the proxy relays it.</summary>
internal sealed record UpstreamResult(int Status, string ContentType, byte[] Body, TokenUsage? Usage);

/// <summary>
/// The optional cache of successful non-streaming responses (HybridCache: in memory, plus the
/// distributed cache when Redis is configured). Key = scope (the uid, or "shared"), provider,
/// provider address, model, method and the canonical hash of the body. Only 2xx JSON answers
/// are stored; an error never is, because the fetch throws instead of returning it.
/// </summary>
internal sealed class ResponseCache(HybridCache cache, IOptions<ProxyOptions> options)
{
    public bool Enabled => options.Value.Cache.Enabled;

    public string KeyFor(string uid, string provider, Uri baseUrl, string model, string method, string bodyHash)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var scope = options.Value.Cache.Scope == CacheScope.Shared ? "shared" : "u:" + uid;
        return $"ai:{scope}:{provider}:{baseUrl.Authority}{baseUrl.AbsolutePath.TrimEnd('/')}:{model}:{method}:{bodyHash}";
    }

    /// <summary>
    /// The cached response (hit) or a fresh one from <paramref name="fetch"/> (miss), storing it
    /// when cacheable. <paramref name="bypass"/> (the client's <c>Cache-Control: no-cache</c>) skips
    /// the lookup but still refreshes the entry.
    /// </summary>
    public async Task<(UpstreamResult Result, bool Hit)> GetOrFetchAsync(string key, bool bypass, Func<CancellationToken, Task<UpstreamResult>> fetch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetch);
        var settings = options.Value.Cache;
        var entryOptions = new HybridCacheEntryOptions { Expiration = settings.Ttl, LocalCacheExpiration = settings.Ttl };
        if (bypass)
        {
            var fresh = await fetch(cancellationToken);
            if (IsCacheable(fresh, settings.MaxEntryBytes))
            {
                await cache.SetAsync(key, Encode(fresh), entryOptions, cancellationToken: cancellationToken);
            }

            return (fresh, false);
        }

        var state = new FetchState(fetch, settings.MaxEntryBytes);
        try
        {
            var bytes = await cache.GetOrCreateAsync(key, state, static async (s, ct) =>
            {
                var fresh = await s.Fetch(ct);
                s.Fresh = fresh;
                return IsCacheable(fresh, s.MaxEntryBytes) ? Encode(fresh) : throw new NotCacheableException(fresh);
            }, entryOptions, cancellationToken: cancellationToken);
            return state.Fresh is { } mine ? (mine, false) : (Decode(bytes), true);
        }
        catch (NotCacheableException e)
        {
            return (e.Result, false);
        }
    }

    private static bool IsCacheable(UpstreamResult result, int maxBytes) =>
        result.Status is >= 200 and < 300
        && result.Body.Length <= maxBytes
        && result.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase);

    // Entry layout: [2-byte content-type length][content type, UTF-8][body]. Bytes, not a JSON
    // object, so HybridCache needs no reflection-based serializer (Native AOT).
    private static byte[] Encode(UpstreamResult result)
    {
        var type = Encoding.UTF8.GetBytes(result.ContentType);
        var bytes = new byte[2 + type.Length + result.Body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)type.Length);
        type.CopyTo(bytes, 2);
        result.Body.CopyTo(bytes, 2 + type.Length);
        return bytes;
    }

    private static UpstreamResult Decode(byte[] bytes)
    {
        var typeLength = BinaryPrimitives.ReadUInt16BigEndian(bytes);
        return new UpstreamResult(200, Encoding.UTF8.GetString(bytes, 2, typeLength), bytes[(2 + typeLength)..], null);
    }

    private sealed class FetchState(Func<CancellationToken, Task<UpstreamResult>> fetch, int maxEntryBytes)
    {
        public Func<CancellationToken, Task<UpstreamResult>> Fetch { get; } = fetch;

        public int MaxEntryBytes { get; } = maxEntryBytes;

        public UpstreamResult? Fresh { get; set; }
    }

    /// <summary>Carries a response that must not be cached out of the cache's factory.</summary>
    private sealed class NotCacheableException(UpstreamResult result) : Exception("The response is not cacheable.")
    {
        public UpstreamResult Result { get; } = result;
    }
}
