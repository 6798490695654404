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

    public MarkdownReport(string command)
    {
        Line($"Command: `{command}`");
        Line();
        Line("Machine: " + Machine() + ".");
        Line();
    }

    /// <summary>Cores, OS, .NET version and the UTC time, e.g. "2 cores, Debian GNU/Linux 12 (bookworm), .NET 10.0.12, 2026-11-27 04:10 UTC".</summary>
    public static string Machine() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {OsName()}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

    public MarkdownReport Line(string line = "")
    {
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

    /// <summary>Writes the fragment when <paramref name="file"/> is given (creating its folder).</summary>
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
