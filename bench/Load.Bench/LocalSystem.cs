using System.Diagnostics;
using System.Text.RegularExpressions;
using PocketCode.Testing;

namespace PocketCode.Load.Bench;

/// <summary>
/// The whole backend on this machine, the way dev/PocketCode.AppHost runs it (Development, one data
/// folder, the BFF pointed at the marketplace and the API proxy), but as plain child processes from
/// the build output with free ports, so the bench owns and stops exactly what it started. In
/// emulators mode Google's Firestore emulator (started like the tests start it) and the storage
/// emulator launcher in dev/emulators replace the embedded stores.
/// </summary>
internal sealed partial class LocalSystem : IAsyncDisposable
{
    public const string ProjectId = "demo-pocketcode";

    private readonly List<ServiceProcess> _services = [];
    private FirestoreEmulator? _firestore;
    private Process? _storage;
    private string? _dataDirectory;

    public required ServiceProcess Bff { get; init; }

    public IReadOnlyList<ServiceProcess> Services => _services;

    public static async Task<LocalSystem> StartAsync(bool emulators, string geminiUrl, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("pocketcode-load-").FullName;
        var common = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
            ["DOTNET_ENVIRONMENT"] = "Development",
            ["GOOGLE_CLOUD_PROJECT"] = ProjectId,
            ["POCKETCODE_DATA_DIR"] = dataDirectory,
            ["Logging__LogLevel__Default"] = "Warning",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            // Each client is one user in a closed loop, faster than a person taps: the platform's
            // per-user limit (20/s) would answer 429s that measure the limiter, not the system.
            ["RateLimits__UserBurst"] = "100000",
            ["RateLimits__UserPerSecond"] = "100000",
        };

        FirestoreEmulator? firestore = null;
        Process? storage = null;
        try
        {
            if (emulators)
            {
                Console.WriteLine("load: starting the Firestore emulator and the storage emulator...");
                firestore = await FirestoreEmulator.StartOwnAsync(0, cancellationToken);
                var (process, host) = await StartStorageEmulatorAsync(cancellationToken);
                storage = process;
                common["FIRESTORE_EMULATOR_HOST"] = firestore.Host;
                common["STORAGE_EMULATOR_HOST"] = host;
                common["METADATA_SERVER_DETECTION"] = "none";
            }
            else
            {
                // Embedded mode whatever the calling shell exports.
                common["FIRESTORE_EMULATOR_HOST"] = string.Empty;
                common["STORAGE_EMULATOR_HOST"] = string.Empty;
            }

            var marketplacePort = ServiceProcess.FreePort();
            var proxyPort = ServiceProcess.FreePort();
            var bffPort = ServiceProcess.FreePort();

            var marketplace = Start("marketplace", "services/marketplace-service/src", "PocketCode.Marketplace", marketplacePort, common, []);
            var proxy = Start("api-proxy", "services/api-proxy/src", "PocketCode.ApiProxy", proxyPort, common, new()
            {
                ["GEMINI_API_KEY"] = "AIzaLOAD-platform-key",
                ["Providers__Gemini__BaseUrl"] = geminiUrl,
                // Exact usage counters need every call to reach the provider: no cache; many calls per
                // user in a minute: no per-user limit or daily budget in the way.
                ["Proxy__Cache__Enabled"] = "false",
                ["Proxy__RateLimit__TokenLimit"] = "100000000",
                ["Proxy__RateLimit__TokensPerPeriod"] = "100000000",
                ["Proxy__DailyTokenBudget"] = "0",
            });
            var bff = Start("bff", "services/bff/src", "PocketCode.Bff", bffPort, common, new()
            {
                ["Services__Marketplace__Url"] = marketplace.Url,
                ["Services__ApiProxy__Url"] = proxy.Url,
            });

            var system = new LocalSystem { Bff = bff, _firestore = firestore, _storage = storage, _dataDirectory = dataDirectory };
            system._services.AddRange([marketplace, proxy, bff]);
            try
            {
                await Task.WhenAll(system._services.Select(s => s.WaitReadyAsync(TimeSpan.FromMinutes(3), cancellationToken)));
            }
            catch
            {
                await system.DisposeAsync();
                throw;
            }

            return system;
        }
        catch when (firestore is not null || storage is not null)
        {
            if (firestore is not null)
            {
                await firestore.DisposeAsync();
            }

            StopStorage(storage);
            throw;
        }

        ServiceProcess Start(string name, string folder, string assembly, int port, Dictionary<string, string> env, Dictionary<string, string> extra)
        {
            var all = new Dictionary<string, string>(env);
            foreach (var (k, v) in extra)
            {
                all[k] = v;
            }

            // Signed local blob URLs point back at the service that issued them.
            all["PUBLIC_BASE_URL"] = $"http://127.0.0.1:{port}";
            return ServiceProcess.Start(name, ServiceProcess.FindServiceDll(folder, assembly), all, port);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in Enumerable.Reverse(_services))
        {
            await service.DisposeAsync();
        }

        if (_firestore is not null)
        {
            await _firestore.DisposeAsync();
        }

        StopStorage(_storage);
        if (_dataDirectory is not null)
        {
            try
            {
                Directory.Delete(_dataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS temp cleaner.
            }
        }
    }

    private static async Task<(Process Process, string Host)> StartStorageEmulatorAsync(CancellationToken cancellationToken)
    {
        var folder = NpmFolder.InRepository("dev", "emulators");
        await NpmFolder.EnsureInstalledAsync(folder, Path.Combine("node_modules", "firebase-tools", "package.json"));
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "storage-emulator.mjs", "--host", "127.0.0.1", "--port", "0", "--project", ProjectId, "--exit-with-stdin" })
        {
            start.ArgumentList.Add(argument);
        }

        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is not null && ReadyLine().Match(e.Data) is { Success: true } match)
            {
                ready.TrySetResult(match.Groups["host"].Value);
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The storage emulator exited before it was ready."));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            return (process, await ready.Task.WaitAsync(TimeSpan.FromMinutes(2), cancellationToken));
        }
        catch
        {
            StopStorage(process);
            throw;
        }
    }

    private static void StopStorage(Process? process)
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        process.Dispose();
    }

    [GeneratedRegex(@"storage emulator ready on (?<host>\S+)")]
    private static partial Regex ReadyLine();
}
