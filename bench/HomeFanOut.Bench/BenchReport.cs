using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace PocketCode.Bench;

/// <summary>
/// The benchmark record contract (docs/benchmarks.md): with <c>--markdown FILE</c> a program writes
/// one self-contained fragment (command line, machine line, tables, one line per aim) that
/// bench/run-all.sh pastes between its <c>generated:NAME</c> markers. Everything is printed too.
/// Shared by HomeFanOut.Bench and Streaming.Bench (linked source file).
/// </summary>
internal sealed class BenchReport(string project, string[] args)
{
    private readonly StringBuilder _body = new();

    // Resolved now: a program may change its working directory later.
    private readonly string? _markdown = Option(args, "--markdown") is { } file ? Path.GetFullPath(file) : null;

    /// <summary>The value after <paramref name="name"/> in the arguments, or null.</summary>
    public static string? Option(string[] args, string name) =>
        args.SkipWhile(a => !string.Equals(a, name, StringComparison.Ordinal)).Skip(1).FirstOrDefault();

    /// <summary>The command that reproduces this run (without <c>--markdown FILE</c>).</summary>
    public string Command
    {
        get
        {
            var kept = new List<string>();
            for (var i = 0; i < args.Length; i++)
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
    }

    public static string Machine => string.Create(CultureInfo.InvariantCulture,
        $"{Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC{LoadAverage()}");

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
    }

    /// <summary>Adds a line to the fragment and prints it.</summary>
    public void Line(string text = "")
    {
        Console.WriteLine(text);
        _body.AppendLine(text);
    }

    /// <summary>Writes the fragment when <c>--markdown FILE</c> was given.</summary>
    public async Task WriteAsync()
    {
        if (_markdown is not { } file)
        {
            return;
        }

        var text = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"Command: `{Command}`")
            .AppendLine()
            .AppendLine(CultureInfo.InvariantCulture, $"Machine: {Machine}")
            .AppendLine()
            .Append(_body);
        var folder = Path.GetDirectoryName(file);
        if (folder is not null)
        {
            Directory.CreateDirectory(folder);
        }

        await File.WriteAllTextAsync(file, text.ToString());
        Console.WriteLine($"Markdown written to {file}");
    }
}
