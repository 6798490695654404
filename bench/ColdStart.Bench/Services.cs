using System.Security.Cryptography;

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
    public const string ProjectId = "demo-pocketcode";

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

    /// <summary>
    /// Production-like settings on the embedded stores (SQLite + local blob folder in a fresh data
    /// folder): a non-development environment, logging at Warning. The one difference from
    /// production is emulator mode (<c>FIREBASE_AUTH_EMULATOR_HOST</c>), so the unsigned
    /// emulator-format token is accepted and no Google signing keys are fetched over the network.
    /// </summary>
    private static Dictionary<string, string> Common(string dataDirectory, int port) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
        ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
        ["GOOGLE_CLOUD_PROJECT"] = ProjectId,
        ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9",
        ["POCKETCODE_DATA_DIR"] = dataDirectory,
        ["CREDENTIALS_KEYS"] = "bench:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Logging__LogLevel__Default"] = "Warning",
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    private static Dictionary<string, string> With(this Dictionary<string, string> environment, string key, string value)
    {
        environment[key] = value;
        return environment;
    }
}
