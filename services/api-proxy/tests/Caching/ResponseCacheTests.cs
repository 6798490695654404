using System.Buffers;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace PocketCode.ApiProxy.Tests.Caching;

/// <summary>What makes the HybridCache AOT exception in the proxy's csproj safe.</summary>
public sealed class ResponseCacheTests
{
    [Fact]
    public void Entries_are_bytes_not_json()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddApiProxy(new ConfigurationBuilder().Build());
        using var provider = services.BuildServiceProvider();

        // HybridCache takes a registered per-type serializer before asking any factory, so the
        // reflection-based JSON factory is never used for the byte[] entries ResponseCache stores.
        var serializer = provider.GetRequiredService<IHybridCacheSerializer<byte[]>>();
        Assert.DoesNotContain("Json", serializer.GetType().FullName, StringComparison.OrdinalIgnoreCase);
        var writer = new ArrayBufferWriter<byte>();
        serializer.Serialize([1, 2, 3], writer);
        Assert.Equal([1, 2, 3], serializer.Deserialize(new ReadOnlySequence<byte>(writer.WrittenMemory)));
    }
}
