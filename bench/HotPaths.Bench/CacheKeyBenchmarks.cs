using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Proxy;

namespace PocketCode.HotPaths.Bench;

/// <summary>
/// The API proxy's response-cache key for a non-streaming call: the canonical SHA-256 of the
/// request body (<see cref="JsonBodies.CanonicalHash"/>: members sorted at every level) and the key
/// string (<see cref="ResponseCache.KeyFor"/>), for a short prompt and a longer multi-turn chat.
/// </summary>
[MemoryDiagnoser]
public class CacheKeyBenchmarks
{
    private static readonly Uri BaseUrl = new("https://generativelanguage.googleapis.com/");
    private JsonDocument small = null!;
    private JsonDocument large = null!;
    private ResponseCache cache = null!;

    [GlobalSetup]
    public void Setup()
    {
        small = JsonDocument.Parse("""{"contents":[{"role":"user","parts":[{"text":"Write a Kotlin function that reverses a string."}]}],"generationConfig":{"temperature":0.2,"maxOutputTokens":256}}""");
        var turns = new StringBuilder("""{"generationConfig":{"topP":0.9,"temperature":0.7},"contents":[""");
        for (var i = 0; i < 24; i++)
        {
            turns.Append(i == 0 ? "" : ",").Append("{\"role\":\"").Append(i % 2 == 0 ? "user" : "model").Append("\",\"parts\":[{\"text\":\"")
                .Append(string.Join(' ', Enumerable.Repeat("Compose screen with a lazy column and a floating action button.", 5))).Append("\"}]}");
        }

        large = JsonDocument.Parse(turns.Append("]}").ToString());
        // KeyFor reads only the options; the HybridCache is not used by it.
        cache = new ResponseCache(null!, Options.Create(new ProxyOptions()));
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        small.Dispose();
        large.Dispose();
    }

    [Benchmark]
    public string SmallBody() => cache.KeyFor("bench-user", "gemini", BaseUrl, "gemini-2.5-flash", "generateContent", JsonBodies.CanonicalHash(small.RootElement));

    [Benchmark]
    public string LargeBody() => cache.KeyFor("bench-user", "gemini", BaseUrl, "gemini-2.5-flash", "generateContent", JsonBodies.CanonicalHash(large.RootElement));
}
