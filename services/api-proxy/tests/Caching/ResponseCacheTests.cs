using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.ApiProxy.Proxy;
using Xunit;

namespace PocketCode.ApiProxy.Tests.Caching;

/// <summary>The proxy's HybridCache registration without AddHybridCache (see BytesHybridCache).</summary>
public sealed class ResponseCacheTests
{
    [Fact]
    public async Task The_proxy_uses_Microsofts_HybridCache_with_a_bytes_serializer_and_no_json_factory()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddProxy(new ConfigurationBuilder().Build());
        await using var provider = services.BuildServiceProvider();

        var cache = provider.GetRequiredService<HybridCache>();
        Assert.Equal("Microsoft.Extensions.Caching.Hybrid.Internal.DefaultHybridCache", cache.GetType().FullName);
        Assert.Empty(provider.GetServices<IHybridCacheSerializerFactory>());

        var serializer = provider.GetRequiredService<IHybridCacheSerializer<byte[]>>();
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize([1, 2, 3], writer);
        Assert.Equal([1, 2, 3], serializer.Deserialize(new ReadOnlySequence<byte>(writer.WrittenMemory)));

        var calls = 0;
        async ValueTask<byte[]> Fetch(CancellationToken _)
        {
            calls++;
            await Task.Yield();
            return [4, 5, 6];
        }

        Assert.Equal([4, 5, 6], await cache.GetOrCreateAsync("k", Fetch, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal([4, 5, 6], await cache.GetOrCreateAsync("k", Fetch, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(1, calls);
    }
}
