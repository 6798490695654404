using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PocketCode.Storage.Firestore;
using Xunit;

namespace PocketCode.Storage.Tests.Firestore;

/// <summary>
/// Google's Firestore emulator for the test run, or the one <c>FIRESTORE_EMULATOR_HOST</c> names.
/// Each fixture gets a project of its own, so test classes sharing an emulator never see each other's
/// documents. The emulator process is shared by all fixtures of the run and killed with the last one.
/// </summary>
public sealed class FirestoreEmulatorFixture : IAsyncLifetime
{
    private FirestoreDocumentStore? _store;
    private bool _holdsEmulator;

    public string ProjectId { get; } = "pocketcode-test-" + Guid.NewGuid().ToString("N")[..10];

    public string EmulatorHost { get; private set; } = "";

    public FirestoreDocumentStore Store => _store ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(FirestoreStoreOptions.EmulatorHostVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            EmulatorHost = configured.Trim();
        }
        else
        {
            EmulatorHost = await SharedEmulator.AcquireAsync();
            _holdsEmulator = true;
        }

        _store = CreateStore();
        await _store.PingAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A further store on the same emulator and project (the caller disposes it).</summary>
    public FirestoreDocumentStore CreateStore() => new(new FirestoreStoreOptions { ProjectId = ProjectId, EmulatorHost = EmulatorHost });

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        if (_holdsEmulator)
        {
            _holdsEmulator = false;
            await SharedEmulator.ReleaseAsync();
        }
    }

    /// <summary>One emulator JVM per test process, reference-counted by the fixtures using it.</summary>
    private static class SharedEmulator
    {
        private const string ReadyLine = "Dev App Server is now running";
        private const string MainClass = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
        private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
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
                        // Should the runner die without disposing fixtures, the JVM must not outlive it.
                        AppDomain.CurrentDomain.ProcessExit += (_, _) => Kill(_process);
                        _exitHookInstalled = true;
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
                if (--_users == 0 && _process is { } process)
                {
                    _process = null;
                    Kill(process);
                    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                    await process.WaitForExitAsync(timeout.Token);
                    process.Dispose();
                }
            }
            finally
            {
                Gate.Release();
            }
        }

        private static async Task<(Process Process, string Host)> StartAsync()
        {
            var jar = Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_JAR");
            if (string.IsNullOrWhiteSpace(jar))
            {
                string sdkRoot;
                try
                {
                    sdkRoot = await RunAsync("gcloud", "info", "--format=value(installation.sdk_root)");
                }
                catch (System.ComponentModel.Win32Exception ex)
                {
                    throw new InvalidOperationException("Could not run 'gcloud' to find the Firestore emulator; install the Google Cloud CLI, or set FIRESTORE_EMULATOR_JAR (or FIRESTORE_EMULATOR_HOST).", ex);
                }

                jar = Path.Combine(sdkRoot.Trim(), "platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");
            }

            if (!File.Exists(jar))
            {
                throw new InvalidOperationException($"The Firestore emulator jar was not found at '{jar}'. Install it with 'gcloud components install cloud-firestore-emulator' (or the Debian package google-cloud-cli-firestore-emulator), or set FIRESTORE_EMULATOR_JAR.");
            }

            var port = FreePort();
            var start = new ProcessStartInfo("java")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[] { "-cp", jar, MainClass, "start", "--host=127.0.0.1", $"--port={port}" })
            {
                start.ArgumentList.Add(argument);
            }

            var output = new StringBuilder();
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            DataReceivedEventHandler onLine = (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }

                lock (output)
                {
                    output.AppendLine(e.Data);
                }

                if (e.Data.Contains(ReadyLine, StringComparison.Ordinal))
                {
                    ready.TrySetResult();
                }
            };
            process.OutputDataReceived += onLine;
            process.ErrorDataReceived += onLine;
            process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The Firestore emulator exited while starting."));
            try
            {
                process.Start();
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                process.Dispose();
                throw new InvalidOperationException("Could not run 'java' to start the Firestore emulator; a Java runtime (17 or later) must be on PATH.", ex);
            }

            process.BeginOutputReadLine();
            process.BeginErrorReadLine();

            try
            {
                await ready.Task.WaitAsync(StartTimeout);
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                Kill(process);
                await process.WaitForExitAsync();
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                process.Dispose();
                throw new InvalidOperationException($"The Firestore emulator did not start on port {port}: {ex.Message}{Environment.NewLine}Its output:{Environment.NewLine}{log}", ex);
            }

            return (process, $"127.0.0.1:{port}");
        }

        private static void Kill(Process? process)
        {
            try
            {
                if (process is { HasExited: false })
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception ex) when (ex is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Already gone.
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        private static async Task<string> RunAsync(string fileName, params string[] arguments)
        {
            var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{fileName} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {await stderr}");
            }

            return await stdout;
        }
    }
}
