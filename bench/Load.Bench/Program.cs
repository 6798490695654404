using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using PocketCode.Load.Bench;

// The whole-system load test (docs/benchmarks.md, "Load (embedded)" / "Load (emulators)").
//
//   dotnet run -c Release --project bench/Load.Bench -- --mode embedded|emulators [--clients 50] [--seconds 60] [--markdown FILE]
//
// Starts the three services (and in emulators mode the Firestore and storage emulators) itself, drives
// a phone-like mix through the BFF from N users at once, prints throughput, p50/p95/p99 per route and
// the error counts, then checks the data exactly. Exit code 0 only with zero 5xx, zero failed
// requests and every data check exact. Hand-written HttpClient loops rather than BenchmarkDotNet:
// what is measured is separate server processes under concurrent HTTP load.
var options = LoadOptions.Parse(args);
if (options is null)
{
    return 2;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};
var ct = cancel.Token;

await using var gemini = await StandInGemini.StartAsync();
Console.WriteLine($"load: starting the system ({options.Mode})...");
var startClock = Stopwatch.GetTimestamp();
await using var system = await LocalSystem.StartAsync(options.Mode == "emulators", gemini.Url, ct);
Console.WriteLine($"load: all three services ready after {Stopwatch.GetElapsedTime(startClock).TotalSeconds:0.0} s (pids: {string.Join(", ", system.Services.Select(s => $"{s.Name} {s.ProcessId}"))})");

var ledger = new Ledger();
using var anonymous = Workload.NewClient(system.Bff.Url);
var publisherToken = await Workload.TokenAsync(anonymous, "load-publisher", ct);
using var publisher = Workload.NewClient(system.Bff.Url, publisherToken);
var assets = await Workload.SeedAssetsAsync(publisher, 6, ct);
var workload = new Workload(system.Bff.Url, assets, ledger);

Console.WriteLine($"load: creating {options.Clients} users with a project each...");
var clients = new List<LoadClient>();
for (var i = 0; i < options.Clients; i++)
{
    var uid = $"load-user-{i:D3}";
    clients.Add(await workload.SetUpClientAsync(uid, await Workload.TokenAsync(anonymous, uid, ct), 1000 + i, ct));
}

// Warm-up (JIT, connection pools, caches) is not measured: a few requests per client.
var warmUp = new Workload(system.Bff.Url, assets, ledger);
await Task.WhenAll(clients.Select(c => warmUp.RunAsync(c, DateTime.UtcNow.AddSeconds(3), ct)));

Console.WriteLine($"load: {options.Clients} clients for {options.Seconds} s...");
var measured = Stopwatch.StartNew();
var until = DateTime.UtcNow.AddSeconds(options.Seconds);
await Task.WhenAll(clients.Select(c => Task.Run(() => workload.RunAsync(c, until, ct), ct)));
measured.Stop();

var checks = await DataCheck.RunAsync(clients, publisher, assets, ledger, gemini, ct);

foreach (var client in clients)
{
    client.Http.Dispose();
}

var report = Report.Build(options, workload, warmUp, measured.Elapsed, checks);
Console.WriteLine();
Console.WriteLine(report.Text);
if (options.Markdown is { } markdownArgument)
{
    // `dotnet run --project` runs in the project folder; a relative path means the caller's folder (PWD).
    var file = Path.GetFullPath(markdownArgument, Environment.GetEnvironmentVariable("PWD") is { Length: > 0 } pwd ? pwd : Directory.GetCurrentDirectory());
    Directory.CreateDirectory(Path.GetDirectoryName(file)!);
    await File.WriteAllTextAsync(file, report.Markdown, ct);
    Console.WriteLine($"load: markdown written to {file}");
}

Console.WriteLine("load: stopping every process it started...");
return report.Passed ? 0 : 1;

internal sealed record LoadOptions(string Mode, int Clients, int Seconds, string? Markdown)
{
    public const string Usage = "usage: dotnet run -c Release --project bench/Load.Bench -- --mode embedded|emulators [--clients 50] [--seconds 60] [--markdown FILE]";

    public string Command => $"dotnet run -c Release --project bench/Load.Bench -- --mode {Mode} --clients {Clients} --seconds {Seconds}";

    public static LoadOptions? Parse(string[] args)
    {
        string mode = "embedded";
        int clients = 50, seconds = 60;
        string? markdown = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--mode":
                    mode = Next();
                    break;
                case "--clients":
                    clients = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--seconds":
                    seconds = int.Parse(Next(), CultureInfo.InvariantCulture);
                    break;
                case "--markdown":
                    markdown = Next();
                    break;
                default:
                    Console.Error.WriteLine($"Unknown argument '{args[i]}'.{Environment.NewLine}{Usage}");
                    return null;
            }
        }

        if (mode is not ("embedded" or "emulators") || clients < 1 || seconds < 1)
        {
            Console.Error.WriteLine(Usage);
            return null;
        }

        return new LoadOptions(mode, clients, seconds, markdown);
    }
}

internal static class DataCheck
{
    /// <summary>Reads everything back through the BFF and compares it with what was acknowledged.</summary>
    public static async Task<List<(string Check, bool Exact, string Detail)>> RunAsync(
        List<LoadClient> clients, HttpClient publisher, List<string> assets, Ledger ledger, StandInGemini gemini, CancellationToken ct)
    {
        var results = new List<(string, bool, string)>();

        // Files: each acknowledged write's last content (or, after a write of unknown outcome, that one).
        int files = 0, wrong = 0, ambiguous = 0;
        foreach (var client in clients)
        {
            foreach (var ((uid, projectId, path), (acked, unknown)) in ledger.Files.Where(f => f.Key.Uid == client.Uid))
            {
                files++;
                ambiguous += unknown.Count > 0 ? 1 : 0;
                using var response = await client.Http.GetAsync($"/v1/projects/{projectId}/files/{path}", ct);
                var text = response.IsSuccessStatusCode ? await response.Content.ReadAsStringAsync(ct) : null;
                if (text is null || (text != acked && !unknown.Contains(text)))
                {
                    wrong++;
                    if (wrong <= 5)
                    {
                        Console.WriteLine($"load: CHECK file {uid} {path}: {(int)response.StatusCode}, content {(text is null ? "missing" : "differs from the last acknowledged write")}");
                    }
                }
            }
        }

        results.Add(("files: every acknowledged write present with its last content", wrong == 0 && ambiguous == 0, $"{files} files, {wrong} wrong, {ambiguous} with a write of unknown outcome"));

        // Projects: each client's project is listed.
        var missingProjects = 0;
        foreach (var client in clients)
        {
            var list = await Workload.Expect(await client.Http.GetAsync("/v1/projects", ct), HttpStatusCode.OK, ct);
            if (!list.GetProperty("projects").EnumerateArray().Any(p => p.GetProperty("id").GetString() == client.ProjectId))
            {
                missingProjects++;
            }
        }

        results.Add(("projects: every created project listed", missingProjects == 0, $"{clients.Count} projects, {missingProjects} missing"));

        // Assets: review count, rating sum/average and download count against the acknowledged ones.
        long reviewsExpected = 0, downloadsExpected = 0;
        var assetProblems = new List<string>();
        foreach (var asset in assets)
        {
            var reviews = ledger.Reviews.Where(r => r.Key.AssetId == asset).Select(r => r.Value).ToList();
            var count = reviews.Count(r => r.Acked is not null);
            var sum = reviews.Where(r => r.Acked is not null).Sum(r => r.Acked!.Value);
            var unknownReviews = reviews.Sum(r => r.Unknown.Count);
            var downloads = ledger.Downloads.GetValueOrDefault(asset);
            var unknownDownloads = ledger.DownloadsUnknown.GetValueOrDefault(asset);
            reviewsExpected += count;
            downloadsExpected += downloads;
            var view = await Workload.Expect(await publisher.GetAsync($"/v1/marketplace/assets/{asset}", ct), HttpStatusCode.OK, ct);
            var actualCount = view.GetProperty("reviewCount").GetInt64();
            var actualAverage = view.GetProperty("averageRating").GetDouble();
            var actualDownloads = view.GetProperty("downloads").GetInt64();
            var expectedAverage = count > 0 ? (double)sum / count : 0.0;
            var actualSum = Math.Round(actualAverage * actualCount);
            if (actualCount != count || Math.Abs(actualAverage - expectedAverage) > 1e-9 || (long)actualSum != sum || actualDownloads != downloads || unknownReviews > 0 || unknownDownloads > 0)
            {
                assetProblems.Add($"{asset}: reviews {actualCount}/{count} expected, sum {actualSum}/{sum}, avg {actualAverage:0.####}/{expectedAverage:0.####}, downloads {actualDownloads}/{downloads} (+{unknownDownloads} unknown), {unknownReviews} reviews of unknown outcome");
            }
        }

        foreach (var problem in assetProblems)
        {
            Console.WriteLine("load: CHECK asset " + problem);
        }

        results.Add(("ratings: count, sum and average per asset = acknowledged reviews", assetProblems.Count == 0, $"{assets.Count} assets, {reviewsExpected} reviews (last per user and asset), {assetProblems.Count} assets off"));
        results.Add(("downloads: count per asset = acknowledged downloads", assetProblems.Count == 0, $"{downloadsExpected} downloads"));

        // AI usage: requests and tokens per user = acknowledged calls; the stand-in saw exactly those calls.
        long aiExpected = 0;
        var usageProblems = 0;
        foreach (var client in clients)
        {
            var calls = ledger.AiCalls.GetValueOrDefault(client.Uid);
            aiExpected += calls;
            var usage = await Workload.Expect(await client.Http.GetAsync("/proxy/v1/usage", ct), HttpStatusCode.OK, ct);
            if (usage.GetProperty("requests").GetInt64() != calls
                || usage.GetProperty("inputTokens").GetInt64() != calls * StandInGemini.PromptTokens
                || usage.GetProperty("outputTokens").GetInt64() != calls * StandInGemini.OutputTokens
                || ledger.AiUnknown.GetValueOrDefault(client.Uid) > 0)
            {
                usageProblems++;
                if (usageProblems <= 5)
                {
                    Console.WriteLine($"load: CHECK usage {client.Uid}: {usage.GetRawText()} expected {calls} requests");
                }
            }
        }

        results.Add(("AI usage: requests and tokens per user = acknowledged calls", usageProblems == 0, $"{aiExpected} calls, {usageProblems} users off"));
        results.Add(("AI provider: calls received = acknowledged calls", gemini.Calls == aiExpected, $"{gemini.Calls} received, {aiExpected} acknowledged"));
        return results;
    }
}

internal sealed record Report(string Text, string Markdown, bool Passed)
{
    public static Report Build(LoadOptions options, Workload workload, Workload warmUp, TimeSpan elapsed, List<(string Check, bool Exact, string Detail)> checks)
    {
        var inv = CultureInfo.InvariantCulture;
        var stats = workload.Stats.Values.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
        long total = stats.Sum(s => s.Count), serverErrors = stats.Sum(s => s.ServerErrors), clientErrors = stats.Sum(s => s.ClientErrors), failures = stats.Sum(s => s.Failures);
        var warmUpServerErrors = warmUp.Stats.Values.Sum(s => s.ServerErrors + s.Failures);
        var table = new StringBuilder();
        table.AppendLine("| route | requests | req/s | p50 ms | p95 ms | p99 ms | 5xx | other errors |");
        table.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var s in stats)
        {
            table.AppendLine(string.Create(inv, $"| `{s.Name}` | {s.Count} | {s.Count / elapsed.TotalSeconds:0.0} | {s.Percentile(0.50):0.0} | {s.Percentile(0.95):0.0} | {s.Percentile(0.99):0.0} | {s.ServerErrors} | {s.ClientErrors + s.Failures} |"));
        }

        table.AppendLine(string.Create(inv, $"| **all** | {total} | {total / elapsed.TotalSeconds:0.0} | | | | {serverErrors} | {clientErrors + failures} |"));

        var checkTable = new StringBuilder();
        checkTable.AppendLine("| data check | result | detail |");
        checkTable.AppendLine("| --- | --- | --- |");
        foreach (var (check, exact, detail) in checks)
        {
            checkTable.AppendLine($"| {check} | {(exact ? "exact" : "**NOT exact**")} | {detail} |");
        }

        var zero5xx = serverErrors == 0 && failures == 0 && warmUpServerErrors == 0;
        var exactData = checks.All(c => c.Exact);
        var aims = new StringBuilder();
        aims.AppendLine(string.Create(inv, $"- Zero 5xx: {(zero5xx ? "met" : "not met")} ({serverErrors} 5xx, {failures} requests without a response, {clientErrors} 4xx, of {total} requests; warm-up {warmUpServerErrors} 5xx/failed)."));
        aims.AppendLine($"- Exact data checks: {(exactData ? "met" : "not met")} ({checks.Count(c => c.Exact)} of {checks.Count} exact).");

        var machine = string.Create(inv, $"Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        var summary = string.Create(inv, $"{options.Clients} clients for {elapsed.TotalSeconds:0.0} s through the BFF ({options.Mode} stores): {total} requests, {total / elapsed.TotalSeconds:0.0} req/s.");

        var markdown = new StringBuilder();
        markdown.AppendLine($"Command: `{options.Command}`");
        markdown.AppendLine();
        markdown.AppendLine(machine);
        markdown.AppendLine();
        markdown.AppendLine(summary);
        markdown.AppendLine();
        markdown.Append(table);
        markdown.AppendLine();
        markdown.Append(checkTable);
        markdown.AppendLine();
        markdown.Append(aims);

        var text = new StringBuilder();
        text.AppendLine($"Load test: {options.Command}");
        text.AppendLine(machine);
        text.AppendLine(summary);
        text.AppendLine();
        text.Append(table);
        text.AppendLine();
        text.Append(checkTable);
        text.AppendLine();
        text.Append(aims);
        return new Report(text.ToString(), markdown.ToString(), zero5xx && exactData);
    }
}
