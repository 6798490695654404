using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PocketCode.Bench;

namespace PocketCode.HotPaths.Bench;

/// <summary>
/// Runs the hot-path micro-benchmarks (docs/benchmarks.md, "Hot paths") with a short job (3 warm-up
/// and 3 measured iterations, in process, so a full run takes a few minutes):
///   dotnet run -c Release --project bench/HotPaths.Bench -- [--filter '*Credential*'] [--markdown FILE]
/// Any other BenchmarkDotNet option (e.g. --job Default for a longer, steadier run) is passed through.
/// </summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        var options = new BenchArgs(args);
        var passThrough = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--markdown")
            {
                i++;
                continue;
            }

            passThrough.Add(args[i]);
        }

        if (!passThrough.Contains("--filter"))
        {
            passThrough.AddRange(["--filter", "*"]);
        }

        var config = DefaultConfig.Instance
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
            .WithOptions(ConfigOptions.JoinSummary);
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run([.. passThrough], config).ToList();
        var reports = summaries.SelectMany(s => s.Reports).ToList();
        if (reports.Count == 0)
        {
            Console.Error.WriteLine("No benchmark ran (check --filter).");
            return 1;
        }

        var shown = args.Where((arg, i) => arg != "--markdown" && (i == 0 || args[i - 1] != "--markdown")).Select(a => a.Contains('*', StringComparison.Ordinal) ? $"'{a}'" : a);
        var command = ("dotnet run -c Release --project bench/HotPaths.Bench -- " + string.Join(' ', shown)).TrimEnd(' ', '-').TrimEnd();
        var report = new MarkdownReport(command);
        report.Line("BenchmarkDotNet 0.15.8, job ShortRun (3 warm-up, 3 measured iterations, 1 launch) in process; allocations from [MemoryDiagnoser].");
        report.Line();
        report.Table(
            ["benchmark", "mean", "std. error", "allocated / op"],
            reports.Select(r => (IReadOnlyList<string>)[
                Name(r.BenchmarkCase),
                r.ResultStatistics is { } s ? Time(s.Mean) : "failed",
                r.ResultStatistics is { } e ? Time(e.StandardError) : "—",
                Bytes(r)]),
            [false, true, true, true]);
        var failed = reports.Count(r => r.ResultStatistics is null);
        report.Line(failed == 0 ? $"- All {reports.Count} benchmarks ran." : $"- {failed} of {reports.Count} benchmarks failed.");
        report.WriteTo(options.MarkdownFile);
        return failed == 0 ? 0 : 1;
    }

    private static string Name(BenchmarkDotNet.Running.BenchmarkCase benchmark)
    {
        var name = benchmark.Descriptor.Type.Name.Replace("Benchmarks", "", StringComparison.Ordinal) + "." + benchmark.Descriptor.WorkloadMethod.Name;
        return benchmark.HasParameters ? $"{name} ({benchmark.Parameters.DisplayInfo})" : name;
    }

    private static string Time(double nanoseconds) => nanoseconds switch
    {
        >= 1_000_000 => (nanoseconds / 1_000_000).ToString("0.00", CultureInfo.InvariantCulture) + " ms",
        >= 1_000 => (nanoseconds / 1_000).ToString("0.00", CultureInfo.InvariantCulture) + " µs",
        _ => nanoseconds.ToString("0.0", CultureInfo.InvariantCulture) + " ns",
    };

    private static string Bytes(BenchmarkReport report)
    {
        var bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
        return bytes is null ? "—" : bytes.Value < 1024 ? bytes.Value.ToString(CultureInfo.InvariantCulture) + " B" : (bytes.Value / 1024.0).ToString("0.00", CultureInfo.InvariantCulture) + " KB";
    }
}
