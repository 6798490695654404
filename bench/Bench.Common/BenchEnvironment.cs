using System.Security.Cryptography;

namespace PocketCode.Bench;

/// <summary>
/// The settings every benchmark starts a service with: production-like on the embedded stores
/// (SQLite and a local blob folder in <c>dataDirectory</c>), a non-development environment, a fresh
/// credential key, logging at Warning. The one difference from production is emulator mode
/// (<c>FIREBASE_AUTH_EMULATOR_HOST</c>), so the service accepts the unsigned emulator-format
/// token a benchmark mints for <see cref="ProjectId"/> and fetches no Google signing keys.
/// Each benchmark adds its own settings to the returned dictionary.
/// </summary>
public static class BenchEnvironment
{
    public const string ProjectId = "demo-pocketcode";

    public static Dictionary<string, string> EmbeddedService(string dataDirectory) => new()
    {
        ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
        ["GOOGLE_CLOUD_PROJECT"] = ProjectId,
        ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9",
        ["POCKETCODE_DATA_DIR"] = dataDirectory,
        ["CREDENTIALS_KEYS"] = "bench:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        ["Logging__LogLevel__Default"] = "Warning",
    };
}
