using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using PocketCode.Storage.Gcs;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Storage.Tests.Gcs;

/// <summary>
/// A Cloud Storage emulator for the test run: the one <c>STORAGE_EMULATOR_HOST</c> names, or else
/// dev/emulators/storage-emulator.mjs (the Firebase Storage emulator's GCS JSON API run by Node,
/// without Java), installed with <c>npm ci</c> on first use. The Node process is shared by all
/// fixtures of the test process and stopped with the last one. Each fixture gets a bucket prefix
/// of its own, so fixtures sharing a server never see each other's objects.
/// </summary>
public sealed partial class StorageEmulatorFixture : IAsyncLifetime
{
    private GcsBlobStore? _store;
    private bool _holdsEmulator;

    public string EmulatorHost { get; private set; } = "";

    /// <summary>Extras of our launcher over the stock emulator (empty for a stock emulator).</summary>
    public IReadOnlySet<string> LauncherFeatures { get; private set; } = new HashSet<string>();

    /// <summary>
    /// The stock emulator ignores <c>ifGenerationMatch</c>; the launcher enforces it in front of the
    /// upstream routes (HTTP 412).
    /// </summary>
    public bool EnforcesGenerationPreconditions => LauncherFeatures.Contains("generationPreconditions");

    /// <summary>The stock emulator keeps only the first chunk of a resumable upload; the launcher keeps all.</summary>
    public bool SupportsMultiChunkUploads => LauncherFeatures.Contains("multiChunkResumableUpload");

    /// <summary>The stock emulator answers 501 to <c>PUT /BUCKET/OBJECT</c>, i.e. to signed upload URLs.</summary>
    public bool SupportsSignedUrlUploads => LauncherFeatures.Contains("xmlPathStylePut");

    public string BucketPrefix { get; } = "pc" + Guid.NewGuid().ToString("N")[..8] + "-";

    public string ProjectId { get; } = "demo-pocketcode";

    public GcsBlobStore Store => _store ?? throw new InvalidOperationException("The fixture has not been initialized.");

    /// <summary>Plain HTTP client for signed URLs and direct calls to the emulator.</summary>
    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromMinutes(5) };

    public Uri BaseUri => new($"http://{EmulatorHost}/");

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(GcsBlobStoreOptions.EmulatorHostVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            EmulatorHost = configured.Trim();
        }
        else
        {
            EmulatorHost = await SharedLauncher.AcquireAsync();
            _holdsEmulator = true;
        }

        LauncherFeatures = await ProbeFeaturesAsync();
        _store = CreateStore();
        await _store.PingAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A further store on the same server and bucket prefix (the caller disposes it).</summary>
    public GcsBlobStore CreateStore(int? uploadChunkSize = null) => new(new GcsBlobStoreOptions
    {
        ProjectId = ProjectId,
        BucketPrefix = BucketPrefix,
        EmulatorHost = EmulatorHost,
        UploadChunkSize = uploadChunkSize,
    });

    public async ValueTask DisposeAsync()
    {
        _store?.Dispose();
        Client.Dispose();
        if (_holdsEmulator)
        {
            _holdsEmulator = false;
            await SharedLauncher.ReleaseAsync();
        }
    }

    private async Task<IReadOnlySet<string>> ProbeFeaturesAsync()
    {
        try
        {
            using var response = await Client.GetAsync(new Uri(BaseUri, "internal/pocketcode"), TestContext.Current.CancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return new HashSet<string>();
            }

            var info = await response.Content.ReadFromJsonAsync<LauncherInfo>(TestContext.Current.CancellationToken);
            return new HashSet<string>(info?.Features ?? [], StringComparer.Ordinal);
        }
        catch (Exception e) when (e is HttpRequestException or System.Text.Json.JsonException)
        {
            return new HashSet<string>();
        }
    }

    private sealed record LauncherInfo([property: JsonPropertyName("features")] string[]? Features);

    /// <summary>One launcher process per test process, reference-counted by the fixtures using it.</summary>
    private static partial class SharedLauncher
    {
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
        private static readonly SemaphoreSlim Gate = new(1, 1);
        private static Process? _process;
        private static string _host = "";
        private static int _users;
        private static bool _exitHookInstalled;

        public static async Task<string> AcquireAsync()
        {
            await Gate.WaitAsync();
            try
            {
                if (_process is null)
                {
                    (_process, _host) = await StartAsync();
                    if (!_exitHookInstalled)
                    {
                        _exitHookInstalled = true;
                        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(_process);
                    }
                }

                _users++;
                return _host;
            }
            finally
            {
                Gate.Release();
            }
        }

        public static async Task ReleaseAsync()
        {
            await Gate.WaitAsync();
            try
            {
                if (--_users > 0 || _process is null)
                {
                    return;
                }

                var process = _process;
                _process = null;
                await StopAsync(process);
            }
            finally
            {
                Gate.Release();
            }
        }

        private static async Task<(Process Process, string Host)> StartAsync()
        {
            var folder = EmulatorFolder();
            await EnsureInstalledAsync(folder);

            var start = new ProcessStartInfo("node")
            {
                WorkingDirectory = folder,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // Port 0: the launcher binds a free port itself and reports it, so there is no race
            // between choosing a port and binding it. stdin closing (this process exiting) stops it.
            foreach (var argument in new[] { "storage-emulator.mjs", "--host", "127.0.0.1", "--port", "0", "--exit-with-stdin" })
            {
                start.ArgumentList.Add(argument);
            }

            var output = new StringBuilder();
            var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (ReadyLine().Match(e.Data) is { Success: true } match)
                {
                    ready.TrySetResult(match.Groups["host"].Value);
                }
            };
            process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    lock (output)
                    {
                        output.AppendLine(e.Data);
                    }
                }
            };
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The storage emulator exited before it was ready."));

            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                process.Dispose();
                throw new InvalidOperationException("Cannot start `node` (is Node.js on PATH?) for the storage emulator.", e);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            try
            {
                var host = await ready.Task.WaitAsync(StartTimeout);
                return (process, host);
            }
            catch (Exception e) when (e is TimeoutException or InvalidOperationException)
            {
                Kill(process);
                process.Dispose();
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new InvalidOperationException($"The storage emulator did not become ready within {StartTimeout.TotalSeconds:F0} s ({e.Message}). Output:\n{text}", e);
            }
        }

        private static async Task StopAsync(Process process)
        {
            try
            {
                // The launcher shuts down cleanly (removing its blob folder) when stdin closes.
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(wait.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
            {
                Kill(process);
            }
            finally
            {
                process.Dispose();
            }
        }

        private static void Kill(Process? process)
        {
            try
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: false);
                    process.WaitForExit(5000);
                }
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        private static string EmulatorFolder() => NpmFolder.InRepository("dev", "emulators");

        private static Task EnsureInstalledAsync(string folder) =>
            NpmFolder.EnsureInstalledAsync(folder, Path.Combine("node_modules", "firebase-tools", "package.json"));

        [GeneratedRegex(@"storage emulator ready on (?<host>\S+)")]
        private static partial Regex ReadyLine();
    }
}
