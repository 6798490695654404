using System.Text.Json;
using System.Text.RegularExpressions;
using PocketCode.Testing;

namespace PocketCode.Terraform.Tests;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
public sealed record DockerInstruction(int Line, string Keyword, string Arguments);

/// <summary>
/// A Dockerfile read just far enough to re-run its <c>dotnet</c> commands here and check its final
/// stage. Hand-written: no Dockerfile parser is served for .NET, and only this subset is needed.
/// </summary>
public sealed partial class Dockerfile
{
    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        Path = path;
        Instructions = instructions;
    }

    public string Path { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    /// <summary>Every <c>services/*/Dockerfile</c> of the repository, relative to its root.</summary>
    public static IReadOnlyList<string> ServiceDockerfiles { get; } =
        Directory.GetDirectories(NpmFolder.InRepository("services"))
            .Select(dir => System.IO.Path.Combine(dir, "Dockerfile"))
            .Where(File.Exists)
            .Select(file => System.IO.Path.GetRelativePath(NpmFolder.RepositoryRoot, file))
            .Order(StringComparer.Ordinal)
            .ToList();

    public static Dockerfile Load(string relativePath)
    {
        var instructions = new List<DockerInstruction>();
        var lines = File.ReadAllLines(NpmFolder.InRepository(relativePath));
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            var text = line;
            while (text.EndsWith('\\') && i + 1 < lines.Length)
            {
                text = text[..^1] + " " + lines[++i].Trim();
            }

            var space = text.IndexOf(' ', StringComparison.Ordinal);
            instructions.Add(new DockerInstruction(start, (space < 0 ? text : text[..space]).ToUpperInvariant(), space < 0 ? string.Empty : text[(space + 1)..].Trim()));
        }

        return new Dockerfile(relativePath, instructions);
    }

    /// <summary>The instructions of the last stage (from its <c>FROM</c>).</summary>
    public IReadOnlyList<DockerInstruction> FinalStage =>
        Instructions.Skip(Instructions.ToList().FindLastIndex(i => i.Keyword == "FROM")).ToList();

    /// <summary>
    /// The <c>dotnet publish</c> commands of every <c>RUN</c> (split at <c>&amp;&amp;</c>), with
    /// <c>ARG</c> defaults substituted, as argument lists after <c>dotnet</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> DotnetCommands(string verb)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var commands = new List<IReadOnlyList<string>>();
        foreach (var instruction in Instructions)
        {
            if (instruction.Keyword == "ARG" && instruction.Arguments.Split('=', 2) is [var name, var value])
            {
                arguments[name.Trim()] = value.Trim().Trim('"');
            }

            if (instruction.Keyword != "RUN")
            {
                continue;
            }

            foreach (var segment in instruction.Arguments.Split("&&", StringSplitOptions.TrimEntries))
            {
                // RUN's own flags (--mount=type=cache,..., --network=...) come before the command.
                var words = Words(VariablePattern().Replace(segment, m =>
                    arguments.TryGetValue(m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value, out var v) ? v : m.Value))
                    .SkipWhile(word => word.StartsWith("--", StringComparison.Ordinal)).ToList();
                if (words is ["dotnet", var command, ..] && command == verb)
                {
                    commands.Add(words.Skip(1).ToList());
                }
            }
        }

        return commands;
    }

    /// <summary>The exec-form array of ENTRYPOINT / HEALTHCHECK CMD in the final stage, or null.</summary>
    public IReadOnlyList<string>? ExecForm(string keyword)
    {
        var instruction = FinalStage.LastOrDefault(i => i.Keyword == keyword);
        if (instruction is null)
        {
            return null;
        }

        var json = instruction.Arguments;
        var bracket = json.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? null : JsonSerializer.Deserialize<string[]>(json[bracket..]);
    }

    private static List<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Value).ToList();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("\"([^\"]*)\"|'([^']*)'|\\S+")]
    private static partial Regex WordPattern();
}
