using System.Diagnostics;
using PocketCode.Bench;

namespace PocketCode.ColdStart.Bench;

/// <summary>
/// Publishes a service in one variant into <c>bench/.publish/{service}/{variant}</c> (git-ignored)
/// with the same switches as its target in services/Dockerfile, and finds the entry point to start.
/// </summary>
internal static class Publisher
{
    public static string Folder(ServiceUnderTest service, Variant variant) =>
        RepositoryRoot.Combine(Path.Combine("bench", ".publish", service.Name, variant.Name));

    /// <summary>The native binary (AOT) or the framework-dependent dll, or null when not published.</summary>
    public static string? EntryPoint(ServiceUnderTest service, Variant variant)
    {
        var folder = Folder(service, variant);
        var path = variant == Catalog.Aot ? Path.Combine(folder, service.AssemblyName) : Path.Combine(folder, service.AssemblyName + ".dll");
        return File.Exists(path) ? path : null;
    }

    private static readonly string[] JitAnalyzersOff = ["-p:EnableAotAnalyzer=false", "-p:EnableTrimAnalyzer=false", "-p:EnableSingleFileAnalyzer=false"];

    public static string[] Arguments(ServiceUnderTest service, Variant variant)
    {
        var output = Folder(service, variant);
        string[] common = ["publish", RepositoryRoot.Combine(service.ProjectPath), "-c", "Release", "-o", output];
        return variant.Name switch
        {
            // Warnings of the native compiler are reported (the publish log keeps them), not errors.
            "aot" => [.. common, "-r", "linux-x64", "-p:PublishAot=true", "-p:PublishReadyToRun=false", "-p:TreatWarningsAsErrors=false"],
            // A service marked IsAotCompatible (the proxy) builds with the AOT analyzers as errors, and
            // without PublishAot its source generators are off, so the reflection paths they replace
            // would be reported: a JIT build does not need the analyzers.
            "r2r" => [.. common, "-r", "linux-x64", "--self-contained", "false", "-p:PublishAot=false", "-p:PublishReadyToRun=true", "-p:UseAppHost=false", .. JitAnalyzersOff],
            _ => [.. common, "-p:PublishAot=false", "-p:PublishReadyToRun=false", "-p:UseAppHost=false", .. JitAnalyzersOff],
        };
    }

    /// <summary>Runs <c>dotnet publish</c>; returns the log path and whether it succeeded.</summary>
    public static async Task<(bool Ok, string Log)> PublishAsync(ServiceUnderTest service, Variant variant)
    {
        var folder = Folder(service, variant);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(folder)!);
        var log = folder + ".publish.log";
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepositoryRoot.Path,
        };
        foreach (var argument in Arguments(service, variant))
        {
            start.ArgumentList.Add(argument);
        }

        Console.WriteLine($"  dotnet {string.Join(' ', start.ArgumentList)}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet publish.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await File.WriteAllTextAsync(log, await stdout + await stderr);
        return (process.ExitCode == 0 && EntryPoint(service, variant) is not null, log);
    }

    /// <summary>Distinct trim/AOT warning and error codes in a publish log, with the assemblies they name (for the record).</summary>
    public static IReadOnlyList<string> Diagnostics(string log)
    {
        if (!File.Exists(log))
        {
            return [];
        }

        var pattern = new System.Text.RegularExpressions.Regex(@"(?<where>[^\s:]+(?:\.dll|\.cs|\.csproj)?)(?:\(\d+,\d+\))?\s*:\s*(?<kind>warning|error)\s+(?<code>IL\d+|NETSDK\d+|CS\d+|MSB\d+)", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        return File.ReadLines(log)
            .Select(line => pattern.Match(line))
            .Where(match => match.Success)
            .Select(match => $"{match.Groups["kind"].Value} {match.Groups["code"].Value} in {Path.GetFileName(match.Groups["where"].Value)}")
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
