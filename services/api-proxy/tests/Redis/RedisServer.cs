using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.ApiProxy.Tests.Redis;

/// <summary>
/// A real <c>redis-server</c> (Debian's package; <c>.ci/run</c> installs it) on a free 127.0.0.1
/// port, without persistence, stopped by its own process id.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString => $"127.0.0.1:{Port}";

    public async ValueTask InitializeAsync()
    {
        (_process, Port) = await ServiceProcess.OnFreePortAsync(async port => (await StartOnAsync(port), port));
    }

    private static async Task<Process> StartOnAsync(int port)
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "no" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("redis-server is not installed (apt-get install -y redis-server; .ci/run does it).", e);
        }

        var output = new StringBuilder();
        void Keep(string? line)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }

        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // the last output lines
                string log;
                lock (output)
                {
                    log = output.ToString();
                }

                process.Dispose();
                var message = $"redis-server exited while starting on port {port}:{Environment.NewLine}{log}";
                throw PortTakenException.IsIn(log) ? new PortTakenException(message) : new InvalidOperationException(message);
            }

            if (await PingAsync(port))
            {
                return process;
            }

            await Task.Delay(50);
        }

        process.Kill();
        process.Dispose();
        throw new InvalidOperationException($"redis-server did not answer PING on port {port}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process?.Dispose();
    }


    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
