using System.Globalization;

namespace PocketCode.Bench;

/// <summary>The few command-line options the bench programs take (<c>--name value</c> and flags).</summary>
public sealed class BenchArgs(string[] args)
{
    public IReadOnlyList<string> All { get; } = args;

    public string? Value(string name)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
    }

    public int Number(string name, int fallback) =>
        Value(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

    public bool Flag(string name) => args.Contains(name);

    /// <summary>
    /// The full path of <c>--markdown FILE</c>, if given (docs/benchmarks.md contract); resolved when
    /// the arguments are read, since a program may change its working directory later.
    /// </summary>
    public string? MarkdownFile { get; } = Array.IndexOf(args, "--markdown") is var i and >= 0 && i + 1 < args.Length ? System.IO.Path.GetFullPath(args[i + 1]) : null;
}

/// <summary>Paths relative to the repository (the folder holding PocketCode.slnx).</summary>
public static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "PocketCode.slnx")))
                {
                    return directory.FullName;
                }
            }
        }

        return Directory.GetCurrentDirectory();
    }

    public static string Combine(string relative) => System.IO.Path.Combine(Path, relative);
}
