using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace PocketCode.Testing;

/// <summary>
/// Google's Firestore emulator as a child process: started on a free loopback port, ready once it
/// says so, and disposed by killing exactly its own process tree. The emulator keeps data apart per
/// project id, so tests sharing one emulator stay isolated by each using a project of its own
/// (<see cref="NewProjectId"/>).
/// </summary>
public sealed class FirestoreEmulator : IAsyncDisposable
{
    /// <summary>The variable naming a running emulator (<c>host:port</c>); when set, none is started.</summary>
    public const string HostVariable = "FIRESTORE_EMULATOR_HOST";

    private const string ReadyLine = "Dev App Server is now running";
    private const string MainClass = "com.google.cloud.datastore.emulator.firestore.CloudFirestore";
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly SemaphoreSlim SharedGate = new(1, 1);
    private static Task<FirestoreEmulator>? _shared;
    private static bool _exitHookInstalled;

    private readonly Process? _process;
    private int _disposed;

    private FirestoreEmulator(string host, Process? process)
    {
        Host = host;
        _process = process;
    }

    /// <summary><c>host:port</c> of the emulator, the value for <see cref="HostVariable"/>.</summary>
    public string Host { get; }

    /// <summary>Whether this instance started (and so owns and kills) the emulator process.</summary>
    public bool OwnsProcess => _process is not null;

    /// <summary>The emulator process id, or null when an external emulator is used.</summary>
    public int? ProcessId => _process?.Id;

    /// <summary>A fresh project id (6-30 characters, <c>demo-</c> so nothing can reach real resources).</summary>
    public static string NewProjectId() => "demo-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>
    /// The emulator <see cref="HostVariable"/> names, or else one started now on a free port (the
    /// caller disposes it).
    /// </summary>
    public static async Task<FirestoreEmulator> StartAsync(CancellationToken cancellationToken = default)
    {
        var configured = Environment.GetEnvironmentVariable(HostVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return new FirestoreEmulator(configured.Trim(), null);
        }

        return await StartProcessAsync(0, cancellationToken);
    }

    /// <summary>
    /// Always starts an emulator process of its own (ignoring <see cref="HostVariable"/>), on
    /// <paramref name="port"/> or a free port when 0: a test that stops and restarts the store needs
    /// to own the process, and a restart on the same port keeps the service's configuration valid.
    /// </summary>
    public static Task<FirestoreEmulator> StartOwnAsync(int port = 0, CancellationToken cancellationToken = default) =>
        StartProcessAsync(port, cancellationToken);

    /// <summary>
    /// One emulator for the whole test process, started by the first caller. It is killed by
    /// <see cref="StopSharedAsync"/> (see <see cref="SharedFirestoreEmulatorCleanup"/>) or, at the
    /// latest, when the process exits.
    /// </summary>
    public static async Task<FirestoreEmulator> GetSharedAsync(CancellationToken cancellationToken = default)
    {
        Task<FirestoreEmulator> starting;
        await SharedGate.WaitAsync(cancellationToken);
        try
        {
            if (_shared is null || _shared.IsFaulted || _shared.IsCanceled)
            {
                // Not tied to the caller's token: other tests wait on the same start.
                _shared = StartAsync(CancellationToken.None);
                if (!_exitHookInstalled)
                {
                    // Should the runner exit without the cleanup fixture, the JVM must not outlive it.
                    AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                    {
                        if (_shared is { IsCompletedSuccessfully: true } done)
                        {
                            done.Result.Kill();
                        }
                    };
                    _exitHookInstalled = true;
                }
            }

            starting = _shared;
        }
        finally
        {
            SharedGate.Release();
        }

        return await starting.WaitAsync(cancellationToken);
    }

    /// <summary>Stops the shared emulator if one was started; a later <see cref="GetSharedAsync"/> starts another.</summary>
    public static async Task StopSharedAsync()
    {
        Task<FirestoreEmulator>? shared;
        await SharedGate.WaitAsync();
        try
        {
            shared = _shared;
            _shared = null;
        }
        finally
        {
            SharedGate.Release();
        }

        if (shared is null)
        {
            return;
        }

        FirestoreEmulator emulator;
        try
        {
            emulator = await shared;
        }
        catch (Exception)
        {
            return; // It never started; the start already cleaned up after itself.
        }

        await emulator.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0 || _process is null)
        {
            return;
        }

        Kill();
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Kill was sent; nothing more to do.
        }

        _process.Dispose();
    }

    private void Kill() => Kill(_process);

    private static void Kill(Process? process)
    {
        try
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    private static async Task<FirestoreEmulator> StartProcessAsync(int port, CancellationToken cancellationToken)
    {
        var jar = Environment.GetEnvironmentVariable("FIRESTORE_EMULATOR_JAR");
        if (string.IsNullOrWhiteSpace(jar))
        {
            string sdkRoot;
            try
            {
                sdkRoot = await RunAsync("gcloud", ["info", "--format=value(installation.sdk_root)"], cancellationToken);
            }
            catch (Win32Exception ex)
            {
                throw new InvalidOperationException("Could not run 'gcloud' to find the Firestore emulator; install the Google Cloud CLI, or set FIRESTORE_EMULATOR_JAR (or FIRESTORE_EMULATOR_HOST).", ex);
            }

            jar = Path.Combine(sdkRoot.Trim(), "platform", "cloud-firestore-emulator", "cloud-firestore-emulator.jar");
        }

        if (!File.Exists(jar))
        {
            throw new InvalidOperationException($"The Firestore emulator jar was not found at '{jar}'. Install it with 'gcloud components install cloud-firestore-emulator' (or the Debian package google-cloud-cli-firestore-emulator), or set FIRESTORE_EMULATOR_JAR.");
        }

        return port == 0
            ? await ServiceProcess.OnFreePortAsync(free => LaunchAsync(jar, free, portChosenHere: true, cancellationToken))
            : await LaunchAsync(jar, port, portChosenHere: false, cancellationToken);
    }

    private static async Task<FirestoreEmulator> LaunchAsync(string jar, int port, bool portChosenHere, CancellationToken cancellationToken)
    {
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
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException("Could not run 'java' to start the Firestore emulator; a Java runtime (17 or later) must be on PATH.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await ready.Task.WaitAsync(StartTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or OperationCanceledException)
        {
            Kill(process);
            using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            {
                try
                {
                    await process.WaitForExitAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    // Kill was sent.
                }
            }

            string log;
            lock (output)
            {
                log = output.ToString();
            }

            process.Dispose();
            if (ex is OperationCanceledException)
            {
                throw;
            }

            var message = $"The Firestore emulator did not start on port {port}: {ex.Message}{Environment.NewLine}Its output:{Environment.NewLine}{log}";
            if (portChosenHere && PortTakenException.IsIn(log))
            {
                throw new PortTakenException(message);
            }

            throw new InvalidOperationException(message, ex);
        }

        return new FirestoreEmulator($"127.0.0.1:{port}", process);
    }

    private static async Task<string> RunAsync(string fileName, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{fileName} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }
}

/// <summary>
/// Assembly fixture that stops the shared emulator when the test assembly finishes (register with
/// <c>[assembly: AssemblyFixture(typeof(SharedFirestoreEmulatorCleanup))]</c>). It starts nothing:
/// runs that use no emulator pay nothing.
/// </summary>
public sealed class SharedFirestoreEmulatorCleanup : IAsyncDisposable
{
    public ValueTask DisposeAsync() => new(FirestoreEmulator.StopSharedAsync());
}
