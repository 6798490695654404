using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace PocketCode.Bench;

/// <summary>
/// A published service started as its own process: a native (AOT or apphost) binary, or a
/// framework-dependent <c>.dll</c> started with <c>dotnet</c>. Output is drained (so the pipe never
/// blocks the service); lines on stderr, and stdout lines that mention "fail", are echoed with a prefix.
/// </summary>
public sealed class ServiceProcess : IDisposable
{
    private ServiceProcess(Process process, string name)
    {
        Process = process;
        Name = name;
    }

    public Process Process { get; }

    public string Name { get; }

    public int Id => Process.Id;

    /// <summary>Starts <paramref name="path"/> with exactly the given environment additions, its folder as working directory.</summary>
    public static ServiceProcess Start(string path, IReadOnlyDictionary<string, string> environment, string? name = null, bool echoOutput = true)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var dll = path.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var start = new ProcessStartInfo(dll ? "dotnet" : path)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(path))!,
        };
        if (dll)
        {
            start.ArgumentList.Add(path);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var label = name ?? Path.GetFileNameWithoutExtension(path);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        process.OutputDataReceived += (_, e) =>
        {
            if (echoOutput && e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase))
            {
                Console.Error.WriteLine($"[{label}] {line}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (echoOutput && e.Data is { Length: > 0 } line)
            {
                Console.Error.WriteLine($"[{label}] {line}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ServiceProcess(process, label);
    }

    /// <summary>The process's resident and peak resident memory now (Linux /proc).</summary>
    public ProcessMemory Memory() => ProcessMemory.Read(Process.Id);

    public async Task StopAsync()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
        }

        await Process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Resident set size now (VmRSS) and its peak (VmHWM), in bytes, from /proc/PID/status.</summary>
public readonly record struct ProcessMemory(long Rss, long Peak)
{
    public double RssMiB => Rss / (1024.0 * 1024.0);

    public double PeakMiB => Peak / (1024.0 * 1024.0);

    public static ProcessMemory Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return new ProcessMemory(rss, peak);
    }

    // "VmRSS:\t   20480 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), System.Globalization.CultureInfo.InvariantCulture) * 1024;
}
