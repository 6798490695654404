using System.ComponentModel;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PocketCode.Testing;

/// <summary>
/// A service as a real child process (<c>dotnet &lt;its dll&gt;</c>, or a native AOT/apphost executable)
/// on a loopback port, for what an in-process test host cannot show: SIGTERM handling, several services
/// talking over real sockets (the load benchmark), cold start and memory (the bench programs). Its
/// output is kept (bounded) for failure messages and optionally echoed; it is stopped by its own
/// process id only.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private int _disposed;
    private bool _echo;
    private long _spawned;

    private ServiceProcess(string name, Process process, int port)
    {
        Name = name;
        _process = process;
        Port = port;
    }

    public string Name { get; }

    public int Port { get; }

    public int ProcessId => _process.Id;

    public string Url => $"http://127.0.0.1:{Port}";

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote so far (stdout and stderr interleaved).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// The service's entry dll in its own build output (<c>services/.../src/bin/{Configuration}/net10.0</c>),
    /// preferring the configuration this assembly was built with.
    /// </summary>
    public static string FindServiceDll(string projectFolder, string assemblyName)
    {
#if DEBUG
        string[] configurations = ["Debug", "Release"];
#else
        string[] configurations = ["Release", "Debug"];
#endif
        var candidates = configurations
            .Select(c => NpmFolder.InRepository([.. projectFolder.Split('/'), "bin", c, "net10.0", assemblyName + ".dll"]))
            .ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException($"The service build output was not found (looked at {string.Join(", ", candidates)}); build {projectFolder} first.");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// Runs <paramref name="start"/> on a free loopback port, and on another one when it throws
    /// <see cref="PortTakenException"/>. A child that cannot bind port 0 and report what it got (the
    /// Firestore emulator, redis-server) is given a port found free a moment earlier, and any process
    /// on the machine (every outgoing connection takes one from the same range) can take it first.
    /// </summary>
    public static async Task<T> OnFreePortAsync<T>(Func<int, Task<T>> start, int attempts = 3)
    {
        ArgumentNullException.ThrowIfNull(start);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await start(FreePort());
            }
            catch (PortTakenException) when (attempt < attempts)
            {
                // Another process took the port between the check and the child's bind.
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="path"/> (<c>dotnet path</c> for a <c>.dll</c>, the executable itself
    /// otherwise) listening on 127.0.0.1:<paramref name="port"/> (a free one when 0) with
    /// <paramref name="environment"/> on top of this process's environment; console colours off.
    /// </summary>
    public static ServiceProcess Start(string name, string path, IReadOnlyDictionary<string, string> environment, int port = 0)
    {
        port = port == 0 ? FreePort() : port;
        var all = new Dictionary<string, string>
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Logging__Console__FormatterOptions__ColorBehavior"] = "Disabled",
        };
        foreach (var (key, value) in environment)
        {
            all[key] = value;
        }

        return StartExactly(name, path, all, port, echo: false);
    }

    /// <summary>
    /// Starts <paramref name="path"/> with exactly <paramref name="environment"/> on top of this
    /// process's environment (nothing added: the caller sets <c>ASPNETCORE_URLS</c> itself, and
    /// <paramref name="port"/> is only what <see cref="Port"/> and <see cref="Url"/> report, 0 when
    /// unknown). With <paramref name="echo"/>, stderr lines and stdout lines that mention "fail" or
    /// "crit" are also written to this process's stderr as <c>[name] line</c>.
    /// </summary>
    public static ServiceProcess StartExactly(string name, string path, IReadOnlyDictionary<string, string> environment, int port = 0, bool echo = true)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(dll ? "dotnet" : path)
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (dll)
        {
            start.ArgumentList.Add(path);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start };
        var service = new ServiceProcess(name, process, port) { _echo = echo };
        void Keep(string line)
        {
            lock (service._output)
            {
                // Bounded: a long run must not hold every log line in memory.
                if (service._output.Length < 512 * 1024)
                {
                    service._output.AppendLine(line);
                }
            }
        }

        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Keep(e.Data);
                if (echo && (e.Data.Contains("fail", StringComparison.OrdinalIgnoreCase) || e.Data.Contains("crit", StringComparison.OrdinalIgnoreCase)))
                {
                    Console.Error.WriteLine($"[{name}] {e.Data}");
                }
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Keep(e.Data);
                if (echo && e.Data.Length > 0)
                {
                    Console.Error.WriteLine($"[{name}] {e.Data}");
                }
            }
        };
        try
        {
            service._spawned = Stopwatch.GetTimestamp();
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new InvalidOperationException($"Could not run '{start.FileName}' to start {name}.", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>The process's resident and peak resident memory now (Linux /proc).</summary>
    public ProcessMemory Memory() => ProcessMemory.Read(_process.Id);

    /// <summary>Kills the process (no graceful shutdown) and waits for it to exit.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200; fails with the process output if it exits or <paramref name="timeout"/> passes.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        guard.CancelAfter(timeout);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} while starting. Its output:{Environment.NewLine}{Output}");
            }

            try
            {
                using var response = await http.GetAsync(Url + "/health/ready", guard.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!guard.IsCancellationRequested)
            {
                // One probe timed out; try again.
            }
            catch (OperationCanceledException) when (guard.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{Output}");
            }

            try
            {
                await Task.Delay(200, guard.Token);
            }
            catch (OperationCanceledException) when (guard.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{Output}");
            }
        }
    }

    /// <summary>
    /// The time from the spawn to the first 2xx answer to <paramref name="request"/> (a new message
    /// each attempt), for cold-start measurements: refused connections and non-2xx answers (a
    /// readiness gap) are retried until <paramref name="timeout"/> after the spawn; an exit or the
    /// timeout is an <see cref="InvalidOperationException"/> whose message says which.
    /// </summary>
    public async Task<TimeSpan> FirstSuccessAsync(HttpClient client, Func<HttpRequestMessage> request, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(request);
        var deadline = _spawned + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        HttpStatusCode? last = null;
        var asked = "";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the process exited with code {_process.ExitCode} before answering" +
                    (_echo ? " (its stderr is above)." : $". Its output:{Environment.NewLine}{Output}"));
            }

            try
            {
                using var message = request();
                asked = $"{message.Method} {message.RequestUri?.PathAndQuery}";
                using var response = await client.SendAsync(message);
                if (response.IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(_spawned);
                }

                last = response.StatusCode;
                await Task.Delay(5);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(2);
            }
        }

        throw new InvalidOperationException($"no successful answer from {asked} within {timeout.TotalSeconds:0} s (last status: {(last is null ? "no connection" : ((int)last).ToString(System.Globalization.CultureInfo.InvariantCulture))}).");
    }

    /// <summary>Sends SIGTERM to this process (what Cloud Run and Ctrl-C-less orchestrators send).</summary>
    public void SendTerminate()
    {
        if (_process.HasExited)
        {
            return;
        }

        // .NET has no API for sending a signal other than SIGKILL to another process; kill(1) does it.
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) }, UseShellExecute = false })
            ?? throw new InvalidOperationException("Could not run 'kill'.");
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to exit; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var guard = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>SIGTERM, then SIGKILL if it has not exited after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        SendTerminate();
        if (!await WaitForExitAsync(grace))
        {
            _process.Kill(entireProcessTree: true);
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await StopAsync(TimeSpan.FromSeconds(15));
        }
        catch (InvalidOperationException)
        {
            // Never started or already reaped.
        }

        _process.Dispose();
    }
}

/// <summary>A child process could not listen because its port was taken (see <see cref="ServiceProcess.OnFreePortAsync{T}"/>).</summary>
public sealed class PortTakenException(string message) : InvalidOperationException(message)
{
    /// <summary>What a child on Linux prints when its bind fails for a taken port (Java, redis-server, .NET alike).</summary>
    public static bool IsIn(string output) => output.Contains("Address already in use", StringComparison.Ordinal);
}
