using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace PocketCode.Bench;

/// <summary>
/// The markdown fragment a benchmark writes with <c>--markdown FILE</c> (the contract of
/// docs/benchmarks.md): a "Command:" line, a "Machine:" line, then tables and one line per aim.
/// <c>bench/run-all.sh</c> pastes it between the benchmark's generated markers.
/// </summary>
public sealed class MarkdownReport
{
    private readonly StringBuilder text = new();
    private readonly bool echo;

    /// <param name="command">The command that reproduces the run (see <see cref="Command"/>).</param>
    /// <param name="echo">Also print every line added after the header as it is added (for programs that report as they go).</param>
    public MarkdownReport(string command, bool echo = false)
    {
        Line($"Command: `{command}`");
        Line();
        Line("Machine: " + Machine() + ".");
        Line();
        this.echo = echo;
    }

    /// <summary>
    /// <c>dotnet run -c Release --project PROJECT -- ARGS</c> with <c>--markdown FILE</c> left out
    /// (wherever it is), so the line reproduces the run without naming the fragment file.
    /// </summary>
    public static string Command(string project, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var kept = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == "--markdown")
            {
                i++;
                continue;
            }

            kept.Add(args[i]);
        }

        return $"dotnet run -c Release --project {project}" + (kept.Count > 0 ? " -- " + string.Join(' ', kept) : string.Empty);
    }

    /// <summary>
    /// Cores, OS, .NET version, the UTC time and the load average, e.g. "2 cores, Debian GNU/Linux 12
    /// (bookworm), .NET 10.0.12, 2026-11-27 04:10 UTC, load average 1.20 0.80 0.50 when written".
    /// </summary>
    public static string Machine() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {OsName()}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}");

    /// <summary>The 1/5/15-minute load average (Linux), so a reader sees whether the machine was busy.</summary>
    private static string LoadAverage()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $", load average {parts[0]} {parts[1]} {parts[2]} when written";
        }
        catch (IOException)
        {
            return string.Empty;
        }
        catch (UnauthorizedAccessException)
        {
            return string.Empty;
        }
    }

    public MarkdownReport Line(string line = "")
    {
        if (echo)
        {
            Console.WriteLine(line);
        }

        text.Append(line).Append('\n');
        return this;
    }

    public MarkdownReport Table(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows, IReadOnlyList<bool>? rightAligned = null)
    {
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(rows);
        Line("| " + string.Join(" | ", header) + " |");
        Line("|" + string.Join("|", header.Select((_, i) => rightAligned is not null && rightAligned[i] ? "---:" : "---")) + "|");
        foreach (var row in rows)
        {
            Line("| " + string.Join(" | ", row) + " |");
        }

        return Line();
    }

    /// <summary>A line saying whether an aim was met, with the number.</summary>
    public MarkdownReport Aim(string what, bool met, string number) =>
        Line($"- {what}: {number}, **{(met ? "met" : "not met")}**.");

    public override string ToString() => text.ToString();

    /// <summary>Writes the fragment when <paramref name="file"/> is given (creating its folder); see <see cref="BenchArgs.MarkdownFile"/>.</summary>
    public void WriteTo(string? file)
    {
        if (file is null)
        {
            return;
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(file));
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        File.WriteAllText(file, text.ToString());
        Console.WriteLine($"Markdown written to {file}");
    }

    private static string OsName()
    {
        try
        {
            foreach (var line in File.ReadLines("/etc/os-release"))
            {
                if (line.StartsWith("PRETTY_NAME=", StringComparison.Ordinal))
                {
                    return line["PRETTY_NAME=".Length..].Trim('"');
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.OSDescription;
    }
}
