using System.Buffers;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PocketCode.ApiProxy.Proxy;

/// <summary>
/// Registers Microsoft's own HybridCache implementation for <c>byte[]</c> entries without
/// <c>AddHybridCache</c>. Written by hand only because <c>AddHybridCache</c> (10.11, the newest
/// served) always registers its reflection-based <c>DefaultJsonSerializerFactory</c>, which makes the
/// native compiler report IL2026 for code this service never runs (dotnet/extensions#5624; the
/// fix, dotnet/extensions#6475, is unreleased). Without that registration nothing reaches the
/// factory, so the proxy's Native AOT publish has no trim or AOT warning at all. When the fix
/// ships, go back to <c>services.AddHybridCache(configure)</c>.
/// </summary>
internal static class BytesHybridCache
{
    // The same class AddHybridCache registers; only its constructor is reached, through an
    // accessor the native compiler understands (no reflection). If a later version renames it,
    // the first resolve of HybridCache fails (MissingMethodException), which ResponseCacheTests sees.
    private const string DefaultHybridCacheType = "Microsoft.Extensions.Caching.Hybrid.Internal.DefaultHybridCache, Microsoft.Extensions.Caching.Hybrid";

    public static IServiceCollection AddBytesHybridCache(this IServiceCollection services, Action<HybridCacheOptions> configure)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions().AddMemoryCache();
        services.Configure(configure);
        services.TryAddSingleton<IHybridCacheSerializer<byte[]>>(BytesSerializer.Instance);
        services.TryAddSingleton(sp => (HybridCache)CreateDefaultHybridCache(sp.GetRequiredService<IOptions<HybridCacheOptions>>(), sp));
        return services;
    }

    [UnsafeAccessor(UnsafeAccessorKind.Constructor)]
    [return: UnsafeAccessorType(DefaultHybridCacheType)]
    private static extern object CreateDefaultHybridCache(IOptions<HybridCacheOptions> options, IServiceProvider services);

    /// <summary>Entries are the bytes themselves (what HybridCache's own inbuilt byte[] serializer does).</summary>
    private sealed class BytesSerializer : IHybridCacheSerializer<byte[]>
    {
        public static readonly BytesSerializer Instance = new();

        public byte[] Deserialize(ReadOnlySequence<byte> source) => source.ToArray();

        public void Serialize(byte[] value, IBufferWriter<byte> target) => target.Write(value);
    }
}
