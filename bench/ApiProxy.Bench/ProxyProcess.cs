using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PocketCode.ApiProxy.Bench;

/// <summary>One proxy process (AOT binary or JIT dll) on a free port with its own data folder, killed by its own pid.</summary>
internal sealed class ProxyProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;
    private readonly long _started;

    private ProxyProcess(Process process, string url, string dataDirectory, long started)
    {
        _process = process;
        Url = url;
        _dataDirectory = dataDirectory;
        _started = started;
    }

    public string Url { get; }

    public int ProcessId => _process.Id;

    public static ProxyProcess Start(BenchOptions options, string upstreamUrl, string project)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("pocketcode-bench-").FullName;
        var port = FreePort();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Benchmark",
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["GOOGLE_CLOUD_PROJECT"] = project,
            // Emulator mode: the proxy accepts the unsigned emulator-format token the bench mints.
            ["FIREBASE_AUTH_EMULATOR_HOST"] = "127.0.0.1:9",
            ["POCKETCODE_DATA_DIR"] = dataDirectory,
            ["CREDENTIALS_KEYS"] = "bench:" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["GEMINI_API_KEY"] = StandInProvider.PlatformKey,
            ["Providers__Gemini__BaseUrl"] = upstreamUrl,
            // What is measured is the proxy's own path: no cache hits, no limits in the way.
            ["Proxy__Cache__Enabled"] = "false",
            ["Proxy__RateLimit__TokenLimit"] = "100000000",
            ["Proxy__RateLimit__TokensPerPeriod"] = "100000000",
            // And the platform's per-caller limit every service has (one user sends everything here).
            ["RateLimits__UserBurst"] = "100000000",
            ["RateLimits__UserPerSecond"] = "100000000",
            ["Proxy__DailyTokenBudget"] = "0",
            ["Logging__LogLevel__Default"] = "Warning",
        };

        var path = options.ProxyPath;
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

        foreach (var (key, value) in options.ExtraEnvironment)
        {
            environment[key] = value;
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var started = Stopwatch.GetTimestamp();
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line && line.Contains("fail", StringComparison.OrdinalIgnoreCase)) { Console.Error.WriteLine("[proxy] " + line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) { Console.Error.WriteLine("[proxy] " + line); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ProxyProcess(process, $"http://127.0.0.1:{port}", dataDirectory, started);
    }

    /// <summary>Polls until the first authenticated proxied call answers; the time is counted from the spawn.</summary>
    public async Task<(TimeSpan Elapsed, HttpStatusCode Status)> WaitForFirstAnswerAsync(string token)
    {
        using var client = new HttpClient();
        for (var attempt = 0; attempt < 5000; attempt++)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, Url + "/proxy/ai/gemini/v1beta/models/bench-model:generateContent")
                {
                    Content = new StringContent(StandInProvider.RequestBody, Encoding.UTF8, "application/json"),
                };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await client.SendAsync(request);
                return (Stopwatch.GetElapsedTime(_started), response.StatusCode);
            }
            catch (HttpRequestException)
            {
                if (_process.HasExited)
                {
                    throw new InvalidOperationException($"The proxy exited with code {_process.ExitCode}.");
                }

                await Task.Delay(1);
            }
        }

        throw new InvalidOperationException("The proxy did not start listening.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
