using System.Diagnostics;
using System.Net;
using System.Text;

namespace PocketCode.ApiProxy.Bench;

/// <summary>One side of a comparison: a URL and how a request to it is authorised.</summary>
internal sealed record Target(string Name, string Url, Action<HttpRequestMessage> Authorize);

/// <summary>Latency percentiles in milliseconds and completed requests per second.</summary>
internal sealed record Result(double P50, double P99, double PerSecond, long Count);

/// <summary>One timed run: each request's latency in <see cref="Stopwatch"/> ticks, and how long the run took.</summary>
internal sealed record Run(long[] Ticks, TimeSpan Elapsed)
{
    public double PerSecond => Ticks.Length / Elapsed.TotalSeconds;

    /// <summary>Percentiles over every request of the runs; throughput over their summed time.</summary>
    public static Result Summarise(IReadOnlyCollection<Run> runs)
    {
        var ticks = runs.SelectMany(r => r.Ticks).ToArray();
        Array.Sort(ticks);
        double Percentile(double p) => ticks[Math.Min(ticks.Length - 1, (int)Math.Ceiling(p * ticks.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
        return new Result(Percentile(0.50), Percentile(0.99), ticks.Length / runs.Sum(r => r.Elapsed.TotalSeconds), ticks.Length);
    }
}

internal static class Load
{
    /// <summary><paramref name="connections"/> closed-loop clients, each sending its next request when the last answer is in.</summary>
    public static async Task<Run> RunAsync(Target target, int connections, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, UseCookies = false, AutomaticDecompression = DecompressionMethods.None };
        using var client = new HttpClient(handler);
        var samples = new List<long>[connections];
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, connections).Select(async worker =>
        {
            var mine = samples[worker] = new List<long>(100_000);
            var body = Encoding.UTF8.GetBytes(StandInProvider.RequestBody);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var begin = Stopwatch.GetTimestamp();
                using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
                request.Content.Headers.ContentType = new("application/json");
                target.Authorize(request);
                using var response = await client.SendAsync(request);
                _ = await response.Content.ReadAsByteArrayAsync();
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    throw new InvalidOperationException($"{target.Name} answered {(int)response.StatusCode}.");
                }

                mine.Add(Stopwatch.GetTimestamp() - begin);
            }
        }).ToArray();
        await Task.WhenAll(workers);
        return new Run(samples.SelectMany(s => s).ToArray(), Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Time from sending a streamed call to its first body bytes, one call at a time.</summary>
    public static async Task<Run> TimeToFirstByteAsync(Target target, int requests)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseCookies = false });
        var samples = new long[requests];
        var body = Encoding.UTF8.GetBytes(StandInProvider.RequestBody);
        var buffer = new byte[1];
        var started = Stopwatch.GetTimestamp();
        for (var i = 0; i < requests; i++)
        {
            var begin = Stopwatch.GetTimestamp();
            using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new("application/json");
            target.Authorize(request);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await using var stream = await response.Content.ReadAsStreamAsync();
            _ = await stream.ReadAsync(buffer);
            samples[i] = Stopwatch.GetTimestamp() - begin;
            await stream.CopyToAsync(Stream.Null);
        }

        return new Run(samples, Stopwatch.GetElapsedTime(started));
    }
}
