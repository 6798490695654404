using PocketCode.Bench;

namespace PocketCode.ColdStart.Bench;

/// <summary>A service whose published build is measured, and the authenticated request that proves it is up.</summary>
internal sealed record ServiceUnderTest(
    string Name,
    string ProjectPath,
    string AssemblyName,
    string ProbePath,
    Func<string, int, Dictionary<string, string>> Environment);

/// <summary>A way of publishing a service.</summary>
internal sealed record Variant(string Name, string Description);

internal static class Catalog
{
    public static readonly Variant Aot = new("aot", "Native AOT");
    public static readonly Variant ReadyToRun = new("r2r", "ReadyToRun (framework-dependent)");
    public static readonly Variant Jit = new("jit", "JIT (framework-dependent)");

    public static readonly IReadOnlyList<Variant> Variants = [Aot, ReadyToRun, Jit];

    public static readonly IReadOnlyList<ServiceUnderTest> Services =
    [
        new("bff", "services/bff/src/PocketCode.Bff.csproj", "PocketCode.Bff", "/v1/me", (data, port) => Common(data, port)
            .With("Services__Marketplace__Url", "http://127.0.0.1:9")
            .With("Services__ApiProxy__Url", "http://127.0.0.1:9")
            .With("PUBLIC_BASE_URL", $"http://127.0.0.1:{port}")),
        new("marketplace", "services/marketplace-service/src/PocketCode.Marketplace.csproj", "PocketCode.Marketplace", "/v1/marketplace/search?q=compose", Common),
        new("api-proxy", "services/api-proxy/src/PocketCode.ApiProxy.csproj", "PocketCode.ApiProxy", "/proxy/v1/usage", Common),
    ];

    /// <summary>The benchmarks' service settings (<see cref="BenchEnvironment"/>) on a fixed port.</summary>
    private static Dictionary<string, string> Common(string dataDirectory, int port) => BenchEnvironment.EmbeddedService(dataDirectory)
        .With("ASPNETCORE_URLS", $"http://127.0.0.1:{port}")
        .With("DOTNET_CLI_TELEMETRY_OPTOUT", "1");

    private static Dictionary<string, string> With(this Dictionary<string, string> environment, string key, string value)
    {
        environment[key] = value;
        return environment;
    }
}
