using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using PocketCode.Bench;
using PocketCode.Marketplace;
using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Bench;
using PocketCode.Marketplace.Search;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Local;
using PocketCode.Storage.Sqlite;

// Marketplace search latency on the embedded store: seeds N assets (default 100,000) into a
// SQLite file, then times search pages through the service's own search code (the same query
// builder, store query and post-filter as GET /v1/marketplace/search) and prints p50/p95/p99.
// A plain Stopwatch loop rather than BenchmarkDotNet: the number wanted is the tail latency of one
// page against a large seeded file, not a micro-benchmark's mean, and seeding once is most of the cost.
//   dotnet run -c Release --project bench/Marketplace.Bench -- [--assets 100000] [--iterations 300] [--data DIR] [--keep] [--markdown FILE]
// --markdown FILE also writes the results as the markdown fragment of docs/benchmarks.md (bench/run-all.sh).
var assets = IntArg("--assets", 100_000);
var iterations = IntArg("--iterations", 300);
var keep = args.Contains("--keep");
var dataArg = StringArg("--data");
var folder = dataArg ?? Directory.CreateTempSubdirectory("pocketcode-market-bench-").FullName;
Directory.CreateDirectory(folder);
var dbPath = Path.Combine(folder, "documents.db");
var reuse = File.Exists(dbPath);
var store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = dbPath });

Console.WriteLine($"Marketplace search benchmark: {assets:N0} assets, {iterations} timed pages per query, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {DateTime.UtcNow:yyyy-MM-dd}");
if (!reuse)
{
    var seeding = Stopwatch.StartNew();
    await CatalogueGenerator.SeedAsync(store, assets, seed: 42, done =>
    {
        if (done % 20_000 == 0)
        {
            Console.WriteLine($"  seeded {done:N0} ({seeding.Elapsed.TotalSeconds:F0} s)");
        }
    });
    Console.WriteLine($"Seeded in {seeding.Elapsed.TotalSeconds:F1} s; file {new FileInfo(dbPath).Length / (1024 * 1024)} MiB");
}
else
{
    Console.WriteLine($"Reusing {dbPath}");
}

var service = new SearchService(store);

var cases = new (string Name, SearchRequest Request)[]
{
    ("browse all, relevance", new SearchRequest(null, null, null, null, SearchSort.Relevance, 20, null)),
    ("q=compo (very common prefix), relevance", new SearchRequest("compo", null, null, null, SearchSort.Relevance, 20, null)),
    ("q=log (common prefix), downloads", new SearchRequest("log", null, null, null, SearchSort.Downloads, 20, null)),
    ("q=kmp (rare word), rating", new SearchRequest("kmp", null, null, null, SearchSort.Rating, 20, null)),
    ("q=compose login (two words)", new SearchRequest("compose login", null, null, null, SearchSort.Relevance, 20, null)),
    ("kind=template, q=screen, recency", new SearchRequest("screen", AssetFields.KindTemplate, null, null, SearchSort.Recency, 20, null)),
    ("tag=ui, rating", new SearchRequest(null, null, "ui", null, SearchSort.Rating, 20, null)),
    ("tag=iot (rare tag), downloads", new SearchRequest(null, null, "iot", null, SearchSort.Downloads, 20, null)),
    ("author=u42, recency", new SearchRequest(null, null, null, "u42", SearchSort.Recency, 20, null)),
};

Console.WriteLine();
var rows = new List<IReadOnlyList<string>>();
var worstFirstPage = 0.0;
Console.WriteLine($"{"query",-44} {"items",5} {"p50 ms",8} {"p95 ms",8} {"p99 ms",8} {"page2 p95",10}");
foreach (var (name, request) in cases)
{
    var first = await service.SearchAsync(request, CancellationToken.None);
    var cursor = first.NextPageToken is { } token ? QueryCursor.Parse(token) : null;
    var pageOne = await TimeAsync(request);
    var pageTwo = cursor is null ? null : await TimeAsync(request with { Cursor = cursor });
    Console.WriteLine($"{name,-44} {first.Items.Count,5} {Pct(pageOne, 50),8:F2} {Pct(pageOne, 95),8:F2} {Pct(pageOne, 99),8:F2} {(pageTwo is null ? "-" : Pct(pageTwo, 95).ToString("F2", CultureInfo.InvariantCulture)),10}");
    rows.Add([name, first.Items.Count.ToString(CultureInfo.InvariantCulture), F2(Pct(pageOne, 50)), F2(Pct(pageOne, 95)), F2(Pct(pageOne, 99)), pageTwo is null ? "-" : F2(Pct(pageTwo, 95))]);
    worstFirstPage = Math.Max(worstFirstPage, Pct(pageOne, 95));
}

if (StringArg("--markdown") is { } markdownFile)
{
    var shown = string.Join(' ', args.TakeWhile(a => a != "--markdown"));
    var report = new MarkdownReport($"dotnet run -c Release --project bench/Marketplace.Bench -- {shown}".TrimEnd());
    report.Line($"{assets:N0} assets on SQLite ({(reuse ? "reused data folder" : "seeded by this run")}), {iterations} timed pages per query after 10 warm-up pages, page size 20.");
    report.Line();
    report.Table(["query", "items", "p50 ms", "p95 ms", "p99 ms", "page2 p95 ms"], rows, [false, true, true, true, true, true]);
    report.Aim("Every first page under 50 ms at p95 (worst query)", worstFirstPage < 50, F2(worstFirstPage) + " ms");
    report.WriteTo(markdownFile);
}

if (!keep && dataArg is null)
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    Directory.Delete(folder, recursive: true);
}

return 0;

async Task<double[]> TimeAsync(SearchRequest request)
{
    for (var i = 0; i < 10; i++)
    {
        await service.SearchAsync(request, CancellationToken.None);
    }

    var samples = new double[iterations];
    for (var i = 0; i < iterations; i++)
    {
        var watch = Stopwatch.StartNew();
        await service.SearchAsync(request, CancellationToken.None);
        samples[i] = watch.Elapsed.TotalMilliseconds;
    }

    Array.Sort(samples);
    return samples;
}

static string F2(double value) => value.ToString("F2", CultureInfo.InvariantCulture);

static double Pct(double[] sorted, int percentile) =>
    sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(percentile / 100.0 * sorted.Length) - 1)];

int IntArg(string name, int fallback)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

string? StringArg(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
