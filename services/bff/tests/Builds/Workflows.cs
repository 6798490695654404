using System.Text.Json;
using PocketCode.Testing;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Every GitHub Actions workflow of the repository (the user-project template's and the
/// repository's own <c>.github/workflows</c>), found on disk so a new one is checked without a list.
/// </summary>
internal static class Workflows
{
    public static readonly string Template = NpmFolder.InRepository("user-project-template", ".github", "workflows", "android-publish.yml");

    private static readonly string[] Skipped = ["node_modules", "bin", "obj", ".git"];

    /// <summary>Repository-relative paths of every <c>.github/workflows/*.yml</c> (or <c>.yaml</c>).</summary>
    public static IReadOnlyList<string> All { get; } = Find();

    public static YamlMappingNode Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    public static YamlMappingNode Jobs(YamlMappingNode workflow) => (YamlMappingNode)workflow["jobs"];

    public static IEnumerable<YamlMappingNode> Steps(YamlMappingNode job) =>
        job.Children.TryGetValue("steps", out var steps) ? ((YamlSequenceNode)steps).Children.Cast<YamlMappingNode>() : [];

    public static string? Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>Writes <paramref name="text"/> as a workflow file in a new temporary folder (for broken copies).</summary>
    public static string TemporaryCopy(string text, string name = "workflow.yml")
    {
        var folder = Directory.CreateTempSubdirectory("pocketcode-workflow-").FullName;
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static List<string> Find()
    {
        var found = new List<string>();
        var pending = new Stack<string>([NpmFolder.RepositoryRoot]);
        while (pending.Count > 0)
        {
            var folder = pending.Pop();
            foreach (var child in Directory.EnumerateDirectories(folder))
            {
                if (!Skipped.Contains(Path.GetFileName(child), StringComparer.Ordinal))
                {
                    pending.Push(child);
                }
            }

            if (folder.EndsWith(Path.Combine(".github", "workflows"), StringComparison.Ordinal))
            {
                found.AddRange(Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".yaml", StringComparison.Ordinal)));
            }
        }

        return [.. found.Select(f => Path.GetRelativePath(NpmFolder.RepositoryRoot, f)).Order(StringComparer.Ordinal)];
    }
}

/// <summary>
/// <c>TestData/action-pins.json</c>: for each action the repository's workflows use, the release
/// it is pinned to (tag, commit, <c>runs.using</c>) and the inputs that release's action.yml declares,
/// as read from the action's public repository on the date recorded in the file.
/// </summary>
internal sealed record ActionPins(string Read, IReadOnlyDictionary<string, ActionPin> Actions)
{
    public static readonly string File = NpmFolder.InRepository("services", "bff", "tests", "Builds", "TestData", "action-pins.json");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static ActionPins Load() => JsonSerializer.Deserialize<ActionPins>(System.IO.File.ReadAllText(File), Json)!;
}

internal sealed record ActionPin(string Tag, string Commit, string RunsUsing, IReadOnlyList<string> Inputs, string Source);
