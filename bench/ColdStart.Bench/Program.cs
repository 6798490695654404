using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using PocketCode.Bench;
using PocketCode.ColdStart.Bench;
using PocketCode.Platform;
using PocketCode.Testing;

// Cold start (docs/benchmarks.md, "Cold start"): every service's published build (Native AOT,
// ReadyToRun, JIT) is started as its own fresh process, N times, and timed from spawn to the first
// successful authenticated request; the process's VmRSS/VmHWM are read from /proc right after it.
//
//   dotnet run -c Release --project bench/ColdStart.Bench -- [--publish] [--runs 7]
//       [--services bff,marketplace,api-proxy] [--variants aot,r2r,jit] [--markdown FILE]
//
// --publish runs `dotnet publish` for each variant first (into bench/.publish, git-ignored);
// without it the bench uses what an earlier --publish left there.
var options = new BenchArgs(args);
var runs = options.Number("--runs", 7);
var publish = options.Flag("--publish");
var services = Selected(options.Value("--services"), Catalog.Services, s => s.Name);
var variants = Selected(options.Value("--variants"), Catalog.Variants, v => v.Name);

Console.WriteLine($"Cold start benchmark: {runs} runs per build, {MarkdownReport.Machine()}");
var results = new List<Result>();
var failures = 0;
foreach (var service in services)
{
    foreach (var variant in variants)
    {
        IReadOnlyList<string> diagnostics = [];
        if (publish)
        {
            Console.WriteLine($"Publishing {service.Name} ({variant.Description})...");
            var (ok, log) = await Publisher.PublishAsync(service, variant);
            diagnostics = Publisher.Diagnostics(log);
            if (!ok)
            {
                Console.WriteLine($"  publish failed; log: {log}");
                results.Add(new Result(service, variant, [], [], 0, "publish failed", diagnostics));
                continue;
            }
        }
        else
        {
            diagnostics = Publisher.Diagnostics(Publisher.Folder(service, variant) + ".publish.log");
        }

        if (Publisher.EntryPoint(service, variant) is not { } entry)
        {
            Console.WriteLine($"{service.Name} {variant.Name}: not published (run with --publish)");
            results.Add(new Result(service, variant, [], [], 0, "not published", diagnostics));
            continue;
        }

        try
        {
            // One untimed start first, so every timed run sees the same warm page cache.
            await StartOnceAsync(service, entry);
            var times = new List<double>();
            var memory = new List<ProcessMemory>();
            for (var run = 0; run < runs; run++)
            {
                var (elapsed, after) = await StartOnceAsync(service, entry);
                times.Add(elapsed.TotalMilliseconds);
                memory.Add(after);
            }

            var result = new Result(service, variant, times, memory, FolderSize(Path.GetDirectoryName(entry)!), null, diagnostics);
            results.Add(result);
            Console.WriteLine($"{service.Name,-12} {variant.Name,-4} median {result.Median,7:F0} ms  max {result.Max,7:F0} ms  RSS {result.RssMiB,6:F1} MiB  peak {result.PeakMiB,6:F1} MiB");
        }
        catch (InvalidOperationException e)
        {
            failures++;
            Console.Error.WriteLine($"{service.Name} {variant.Name}: {e.Message}");
            results.Add(new Result(service, variant, [], [], 0, e.Message, diagnostics));
        }
    }
}

var report = new MarkdownReport(MarkdownReport.Command("bench/ColdStart.Bench", args));
report.Line($"Spawn of the published build to its first successful authenticated request (fresh process and data folder per run, {runs} timed runs after one untimed start); memory read from /proc right after that request.");
report.Line();
report.Table(
    ["service", "build", "first request", "median ms", "max ms", "VmRSS MiB", "VmHWM MiB", "publish MB"],
    results.Select(r => (IReadOnlyList<string>)[
        r.Service.Name, r.Variant.Description, "GET " + r.Service.ProbePath,
        r.Error is null ? F(r.Median) : "—", r.Error is null ? F(r.Max) : "—",
        r.Error is null ? F1(r.RssMiB) : "—", r.Error is null ? F1(r.PeakMiB) : "—",
        r.Error is null ? F1(r.PublishBytes / 1e6) : r.Error]),
    [false, false, false, true, true, true, true, true]);

foreach (var result in results.Where(r => r.Variant == Catalog.Aot && r.Diagnostics.Count > 0))
{
    report.Line($"- Native AOT publish of {result.Service.Name} ({(result.Error is null ? "succeeded" : result.Error)}): {string.Join("; ", result.Diagnostics.Take(12))}{(result.Diagnostics.Count > 12 ? $"; and {result.Diagnostics.Count - 12} more" : "")}.");
}

foreach (var service in services)
{
    var measured = results.Where(r => r.Service == service && r.Error is null).ToList();
    if (measured.Count == 0)
    {
        report.Line($"- {service.Name}: no build measured, **not met**.");
        continue;
    }

    var best = measured.MinBy(r => r.Median)!;
    var aim = service.Name == "api-proxy" ? 100 : 300;
    report.Aim($"{service.Name} cold start under {aim} ms (best build: {best.Variant.Description}, median)", best.Median < aim, F(best.Median) + " ms");
}

Console.WriteLine();
Console.WriteLine(report.ToString());
report.WriteTo(options.MarkdownFile);
return failures == 0 ? 0 : 1;

static async Task<(TimeSpan Elapsed, ProcessMemory Memory)> StartOnceAsync(ServiceUnderTest service, string entry)
{
    var data = Directory.CreateTempSubdirectory("pocketcode-coldstart-").FullName;
    var port = ServiceProcess.FreePort();
    var environment = service.Environment(data, port);
    var token = EmulatorTokens.Create($"https://securetoken.google.com/{BenchEnvironment.ProjectId}", BenchEnvironment.ProjectId, "coldstart-user", DateTimeOffset.UtcNow);
    using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    var url = $"http://127.0.0.1:{port}{service.ProbePath}";
    try
    {
        await using var process = ServiceProcess.StartExactly(service.Name, entry, environment, port);
        var elapsed = await process.FirstSuccessAsync(
            client,
            () => new HttpRequestMessage(HttpMethod.Get, url) { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", token) } },
            TimeSpan.FromSeconds(60));
        var memory = process.Memory();
        await process.KillAsync();
        return (elapsed, memory);
    }
    finally
    {
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

// What would ship: the publish folder without debug symbols (*.pdb, and *.dbg next to a native binary).
static long FolderSize(string folder) =>
    new DirectoryInfo(folder).EnumerateFiles("*", SearchOption.AllDirectories)
        .Where(f => f.Extension is not ".pdb" and not ".dbg")
        .Sum(f => f.Length);

static string F(double value) => value.ToString("0", CultureInfo.InvariantCulture);

static string F1(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);

static List<T> Selected<T>(string? names, IReadOnlyList<T> all, Func<T, string> name)
{
    if (names is null)
    {
        return [.. all];
    }

    var wanted = names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    var unknown = wanted.Where(w => !all.Any(a => name(a) == w)).ToList();
    return unknown.Count > 0
        ? throw new ArgumentException($"Unknown name(s): {string.Join(", ", unknown)}; expected some of {string.Join(", ", all.Select(name))}.")
        : [.. all.Where(a => wanted.Contains(name(a)))];
}

internal sealed record Result(
    ServiceUnderTest Service,
    Variant Variant,
    IReadOnlyList<double> Times,
    IReadOnlyList<ProcessMemory> Memory,
    long PublishBytes,
    string? Error,
    IReadOnlyList<string> Diagnostics)
{
    public double Median => Percentile(Times, 0.5);

    public double Max => Times.Count == 0 ? 0 : Times.Max();

    public double RssMiB => Percentile(Memory.Select(m => m.RssMiB).ToList(), 0.5);

    public double PeakMiB => Percentile(Memory.Select(m => m.PeakMiB).ToList(), 0.5);

    private static double Percentile(IReadOnlyList<double> values, double fraction)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToList();
        var middle = (sorted.Count - 1) * fraction;
        return (sorted[(int)Math.Floor(middle)] + sorted[(int)Math.Ceiling(middle)]) / 2;
    }
}
