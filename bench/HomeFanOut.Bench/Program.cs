using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PocketCode.Bench;
using PocketCode.Storage.Documents;
using PocketCode.Testing;

namespace PocketCode.HomeFanOut.Bench;

// The home fan-out benchmark (docs/benchmarks.md, "Home fan-out"). GET /v1/home reads four
// downstreams: the profile document, the recent projects and recent builds queries (document
// store) and the marketplace highlights (HTTP). Each gets an artificial delay: the store through a
// delaying decorator of the document-store port (bench only), the marketplace as a real Kestrel
// stand-in on 127.0.0.1 that answers after its delay. The BFF itself is the real one, hosted in
// memory (ServiceFactory, SQLite + local blobs). Sequential requests, one at a time.
//
//   dotnet run -c Release --project bench/HomeFanOut.Bench -- [--requests N] [--markdown FILE]

internal static class HomeFanOutBench
{
    public static async Task Main(string[] args)
    {
        var options = new BenchArgs(args);
        var requests = options.Number("--requests", 200);
        var warmup = Math.Max(10, requests / 10);
        var report = new MarkdownReport(MarkdownReport.Command("bench/HomeFanOut.Bench", args), echo: true);

        // WebApplicationFactory finds the BFF's content root from the output folder's manifest.
        Directory.SetCurrentDirectory(AppContext.BaseDirectory);
        var delays = new Delays();

        await using var marketplace = await MarketplaceStandIn.StartAsync(delays);
        await using var bff = new HomeBff(marketplace.Url, delays);
        using var client = await bff.CreateClientForAsync("home-bench-user");
        await SeedAsync(client, bff.Services.GetRequiredService<IDocumentStore>());

        static TimeSpan Ms(double milliseconds) => TimeSpan.FromMilliseconds(milliseconds);
        var scenarios = new (string Name, TimeSpan Profile, TimeSpan Projects, TimeSpan Builds, TimeSpan Marketplace)[]
        {
            ("no delays (the BFF's own time)", TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero),
            ("profile 20, projects 30, builds 40, marketplace 50 ms", Ms(20), Ms(30), Ms(40), Ms(50)),
            ("all four 50 ms", Ms(50), Ms(50), Ms(50), Ms(50)),
            ("marketplace 150 ms, store reads 20 ms", Ms(20), Ms(20), Ms(20), Ms(150)),
        };

        Console.WriteLine($"Home fan-out benchmark: {requests} sequential GET /v1/home per scenario after {warmup} warm-up requests.");
        report.Line("| downstream delays | slowest | sum | home p50 | home p95 | p50 / slowest | p95 / slowest |");
        report.Line("|---|---:|---:|---:|---:|---:|---:|");
        var verdicts = new List<string>();
        foreach (var scenario in scenarios)
        {
            delays.Profile = scenario.Profile;
            delays.Projects = scenario.Projects;
            delays.Builds = scenario.Builds;
            delays.Marketplace = scenario.Marketplace;
            for (var i = 0; i < warmup; i++)
            {
                await GetHomeAsync(client);
            }

            var times = new double[requests];
            for (var i = 0; i < requests; i++)
            {
                times[i] = await GetHomeAsync(client);
            }

            Array.Sort(times);
            var p50 = Percentile(times, 0.50);
            var p95 = Percentile(times, 0.95);
            var slowest = delays.Slowest.TotalMilliseconds;
            if (slowest == 0)
            {
                report.Line(string.Create(CultureInfo.InvariantCulture, $"| {scenario.Name} | 0 ms | 0 ms | {p50:0.0} ms | {p95:0.0} ms | – | – |"));
                continue;
            }

            report.Line(string.Create(CultureInfo.InvariantCulture,
                $"| {scenario.Name} | {slowest:0} ms | {delays.Sum.TotalMilliseconds:0} ms | {p50:0.0} ms | {p95:0.0} ms | {p50 / slowest:0.00} | {p95 / slowest:0.00} |"));
            var met = p50 <= 1.2 * slowest;
            verdicts.Add(string.Create(CultureInfo.InvariantCulture,
                $"- {scenario.Name}: p50 {p50:0.0} ms = {p50 / slowest:0.00} × the slowest downstream ({slowest:0} ms; sequential calls would take ≥ {delays.Sum.TotalMilliseconds:0} ms). Aim ≤ 1.20 ×: **{(met ? "met" : "not met")}**."));
        }

        report.Line();
        foreach (var verdict in verdicts)
        {
            report.Line(verdict);
        }

        report.WriteTo(options.MarkdownFile);

        static async Task<double> GetHomeAsync(HttpClient client)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await client.GetAsync("/v1/home");
            var body = await response.Content.ReadAsStringAsync();
            var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            if (response.StatusCode != HttpStatusCode.OK || !body.Contains("\"status\":\"ok\"", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"GET /v1/home answered {(int)response.StatusCode} without marketplace highlights: {body[Math.Max(0, body.Length - 400)..]}");
            }

            return elapsed;
        }

        static async Task SeedAsync(HttpClient client, IDocumentStore store)
        {
            // What a returning user sees: a full recent-projects and recent-builds list.
            for (var i = 0; i < 5; i++)
            {
                using var response = await client.PostAsJsonAsync("/v1/projects", new { name = $"Bench App {i}", applicationId = $"com.example.bench{i}" });
                response.EnsureSuccessStatusCode();
            }

            var now = DateTimeOffset.UtcNow;
            for (var i = 0; i < 5; i++)
            {
                await store.SetAsync($"builds/bench-build-{i}", new Dictionary<string, object?>
                {
                    ["ownerUid"] = "home-bench-user",
                    ["projectId"] = "bench-project",
                    ["state"] = "succeeded",
                    ["createdAt"] = now.AddMinutes(-i - 1),
                    ["updatedAt"] = now.AddMinutes(-i),
                });
            }
        }

        static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }
}

/// <summary>The real BFF in memory, its marketplace at the stand-in and its document store behind the delays.</summary>
internal sealed class HomeBff : ServiceFactory<Program>
{
    private readonly Delays _delays;

    public HomeBff(string marketplaceUrl, Delays delays)
    {
        _delays = delays;
        Settings["Services:Marketplace:Url"] = marketplaceUrl;
        Settings["Services:UseGoogleIdTokens"] = "false";
        // Well above every scenario's marketplace delay: a run on a busy machine still measures highlights.
        Settings["Home:MarketplaceTimeout"] = "00:00:10";
        Settings["Logging:LogLevel:Default"] = "Warning";
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.ClearProviders());
        builder.ConfigureTestServices(services =>
        {
            var original = services.Last(d => d.ServiceType == typeof(IDocumentStore));
            services.Remove(original);
            services.AddSingleton<IDocumentStore>(sp => new DelayedDocumentStore(
                original.ImplementationFactory is { } factory
                    ? (IDocumentStore)factory(sp)
                    : (IDocumentStore)(original.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!)),
                _delays));
        });
    }
}

/// <summary>The marketplace: Kestrel on a free loopback port answering highlights after its delay.</summary>
internal sealed class MarketplaceStandIn(WebApplication app, string url) : IAsyncDisposable
{
    private const string Highlights = """{"highlights":[{"id":"a1","title":"Compose login screen","kind":"template"},{"id":"a2","title":"Retrofit client","kind":"snippet"},{"id":"a3","title":"Material theme","kind":"theme"}]}""";

    public string Url { get; } = url;

    public static async Task<MarketplaceStandIn> StartAsync(Delays delays)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/v1/marketplace/highlights", async (CancellationToken cancellationToken) =>
        {
            if (delays.Marketplace > TimeSpan.Zero)
            {
                await Task.Delay(delays.Marketplace, cancellationToken);
            }

            return Results.Text(Highlights, "application/json");
        });
        await app.StartAsync();
        var address = app.Urls.First();
        return new MarketplaceStandIn(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
