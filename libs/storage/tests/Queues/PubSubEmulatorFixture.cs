using System.ComponentModel;
using System.Diagnostics;
using System.Text;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>
/// Google's Pub/Sub emulator for a test class: the one <c>PUBSUB_EMULATOR_HOST</c> names, or else
/// its jar (found through <c>gcloud info</c>, or <c>PUBSUB_EMULATOR_JAR</c>) started on a free
/// 127.0.0.1 port and, on disposal, killed by its own process id. Tests keep apart by topic prefix.
/// </summary>
public sealed class PubSubEmulatorFixture : IAsyncLifetime
{
    public const string HostVariable = "PUBSUB_EMULATOR_HOST";

    /// <summary>What the emulator prints once it serves (cloud-pubsub-emulator 0.8.20, seen 2026-12-08).</summary>
    private const string ReadyLine = "Server started, listening on";

    private Process? _process;
    private readonly StringBuilder _output = new();

    public string Host { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(HostVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Host = configured.Trim();
            return;
        }

        var jar = FindJar();
        Host = await ServiceProcess.OnFreePortAsync(port => LaunchAsync(jar, port));
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is null)
        {
            return;
        }

        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or OperationCanceledException)
        {
            // Already gone, or the kill is on its way.
        }

        _process.Dispose();
    }

    private static string FindJar()
    {
        var jar = Environment.GetEnvironmentVariable("PUBSUB_EMULATOR_JAR");
        if (!string.IsNullOrWhiteSpace(jar))
        {
            return jar;
        }

        var info = new ProcessStartInfo("gcloud", ["info", "--format=value(installation.sdk_root)"]) { RedirectStandardOutput = true, UseShellExecute = false };
        string sdkRoot;
        try
        {
            using var gcloud = Process.Start(info)!;
            sdkRoot = gcloud.StandardOutput.ReadToEnd().Trim();
            gcloud.WaitForExit();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException("Could not run 'gcloud' to find the Pub/Sub emulator; install the Google Cloud CLI, or set PUBSUB_EMULATOR_JAR (or PUBSUB_EMULATOR_HOST).", ex);
        }

        var lib = Path.Combine(sdkRoot, "platform", "pubsub-emulator", "lib");
        return (Directory.Exists(lib) ? Directory.GetFiles(lib, "cloud-pubsub-emulator-*-all.jar").Order().LastOrDefault() : null)
            ?? throw new InvalidOperationException($"The Pub/Sub emulator jar was not found in '{lib}'. Install it with 'gcloud components install pubsub-emulator' (or the Debian package google-cloud-cli-pubsub-emulator), or set PUBSUB_EMULATOR_JAR.");
    }

    private async Task<string> LaunchAsync(string jar, int port)
    {
        var start = new ProcessStartInfo("java", ["-jar", jar, "--host=127.0.0.1", $"--port={port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        DataReceivedEventHandler onLine = (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(e.Data);
            }

            if (e.Data.Contains(ReadyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult();
            }
        };
        process.OutputDataReceived += onLine;
        process.ErrorDataReceived += onLine;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The Pub/Sub emulator exited while starting."));
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
        {
            await DisposeAsync();
            _process = null;
            string log;
            lock (_output)
            {
                log = _output.ToString();
                _output.Clear();
            }

            var message = $"The Pub/Sub emulator did not start on port {port}: {ex.Message}{Environment.NewLine}{log}";
            throw PortTakenException.IsIn(log) ? new PortTakenException(message) : new InvalidOperationException(message, ex);
        }

        return $"127.0.0.1:{port}";
    }
}
