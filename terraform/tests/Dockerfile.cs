using System.Text.Json;
using System.Text.RegularExpressions;
using PocketCode.Testing;

namespace PocketCode.Terraform.Tests;

/// <summary>One instruction of a Dockerfile, continuation lines joined.</summary>
public sealed record DockerInstruction(int Line, string Keyword, string Arguments);

/// <summary>One build stage: its name (<c>AS</c>), what it starts from, and its instructions from its <c>FROM</c>.</summary>
public sealed record DockerStage(string Name, string From, IReadOnlyList<DockerInstruction> Instructions);

/// <summary>
/// A multi-target Dockerfile read just far enough to re-run the <c>dotnet</c> commands a target's
/// build runs and to check the image a target produces. Hand-written: no Dockerfile parser is served
/// for .NET, and only this subset is needed.
/// </summary>
public sealed partial class Dockerfile
{
    /// <summary>The one Dockerfile of the three services, relative to the repository root.</summary>
    public static readonly string ServicesPath = Path.Combine("services", "Dockerfile");

    private Dockerfile(string path, IReadOnlyList<DockerInstruction> instructions)
    {
        FilePath = path;
        Instructions = instructions;
        var stages = new List<DockerStage>();
        var starts = instructions.Select((instruction, index) => (instruction, index)).Where(x => x.instruction.Keyword == "FROM").Select(x => x.index).ToList();
        for (var s = 0; s < starts.Count; s++)
        {
            var end = s + 1 < starts.Count ? starts[s + 1] : instructions.Count;
            var from = Words(instructions[starts[s]].Arguments).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            var name = from is [_, var keyword, var alias] && keyword.Equals("AS", StringComparison.OrdinalIgnoreCase) ? alias : $"#{s}";
            stages.Add(new DockerStage(name, from[0], instructions.Skip(starts[s]).Take(end - starts[s]).ToList()));
        }

        Stages = stages;
    }

    public string FilePath { get; }

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerStage> Stages { get; }

    /// <summary>The image targets: the stages no other stage starts from or copies from (what deploy.yml builds).</summary>
    public IReadOnlyList<string> Targets =>
        Stages.Select(s => s.Name)
            .Where(name => !Stages.Any(other => other.From == name || CopySources(other).Contains(name)))
            .ToList();

    /// <summary>The services' Dockerfile.</summary>
    public static Dockerfile LoadServices() => Load(ServicesPath);

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

    public DockerStage Stage(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new ArgumentException($"{FilePath} has no stage '{name}'.", nameof(name));

    /// <summary>The target's stage and the stages it starts from, the target first; the last one starts from an outside image.</summary>
    public IReadOnlyList<DockerStage> Lineage(string target)
    {
        var lineage = new List<DockerStage> { Stage(target) };
        while (Stages.SingleOrDefault(s => s.Name == lineage[^1].From) is { } parent)
        {
            lineage.Add(parent);
        }

        return lineage;
    }

    /// <summary>The outside image the target's image is built on.</summary>
    public string BaseImage(string target) => Lineage(target)[^1].From;

    /// <summary>Every stage a build of <paramref name="target"/> runs (through FROM and COPY --from), in file order.</summary>
    public IReadOnlyList<DockerStage> StagesBuiltFor(string target)
    {
        var needed = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([target]);
        while (pending.TryPop(out var name))
        {
            if (!needed.Add(name))
            {
                continue;
            }

            var stage = Stage(name);
            foreach (var dependency in CopySources(stage).Append(stage.From).Where(d => Stages.Any(s => s.Name == d)))
            {
                pending.Push(dependency);
            }
        }

        return Stages.Where(s => needed.Contains(s.Name)).ToList();
    }

    /// <summary>
    /// The <c>dotnet</c> <paramref name="verb"/> commands a build of the target runs (every <c>RUN</c>
    /// split at <c>&amp;&amp;</c>), with <c>ARG</c> defaults substituted, as argument lists after <c>dotnet</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> DotnetCommands(string verb, string target)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        var commands = new List<IReadOnlyList<string>>();
        foreach (var instruction in StagesBuiltFor(target).SelectMany(s => s.Instructions))
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

    /// <summary>The last <paramref name="keyword"/> instruction in effect for the target's image (its own stage first, then the stages it starts from).</summary>
    public DockerInstruction? InEffect(string keyword, string target) =>
        Lineage(target).Select(stage => stage.Instructions.LastOrDefault(i => i.Keyword == keyword)).FirstOrDefault(i => i is not null);

    /// <summary>The exec-form array of ENTRYPOINT / HEALTHCHECK CMD of the target's image, or null.</summary>
    public IReadOnlyList<string>? ExecForm(string keyword, string target)
    {
        if (InEffect(keyword, target) is not { } instruction)
        {
            return null;
        }

        var json = instruction.Arguments;
        var bracket = json.IndexOf('[', StringComparison.Ordinal);
        return bracket < 0 ? null : JsonSerializer.Deserialize<string[]>(json[bracket..]);
    }

    private static IEnumerable<string> CopySources(DockerStage stage) =>
        stage.Instructions.Where(i => i.Keyword == "COPY")
            .SelectMany(i => Words(i.Arguments))
            .Where(w => w.StartsWith("--from=", StringComparison.Ordinal))
            .Select(w => w["--from=".Length..]);

    private static List<string> Words(string text) =>
        WordPattern().Matches(text).Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Success ? m.Groups[2].Value : m.Value).ToList();

    [GeneratedRegex(@"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex VariablePattern();

    [GeneratedRegex("\"([^\"]*)\"|'([^']*)'|\\S+")]
    private static partial Regex WordPattern();
}
