using System.Text.RegularExpressions;
using PocketCode.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Every <c>uses:</c> of every workflow in the repository names a full commit SHA that the
/// recorded table gives for the tag in its comment, of a release that runs on Node 24 (or is a
/// composite or Docker action), and passes only inputs that release's action.yml declares. GitHub
/// refuses a workflow whose pin it cannot resolve, and warns, then fails, on retired runtimes.
/// </summary>
public sealed partial class WorkflowPinTests
{
    private static readonly string[] CurrentRuntimes = ["node24", "composite", "docker"];

    public static TheoryData<string> WorkflowFiles() => [.. Workflows.All];

    [Fact]
    public void The_repository_has_the_workflows_this_suite_is_about()
    {
        Assert.Contains(Path.Combine("user-project-template", ".github", "workflows", "android-publish.yml"), Workflows.All);
        Assert.Contains(Path.Combine(".github", "workflows", "deploy.yml"), Workflows.All);
    }

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public void Every_action_is_pinned_to_the_recorded_commit_of_its_tag_and_gets_only_declared_inputs(string workflow)
    {
        var problems = PinProblems(NpmFolder.InRepository(workflow), ActionPins.Load());
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_recorded_release_runs_on_a_current_runtime_and_names_its_source()
    {
        var pins = ActionPins.Load();
        Assert.Equal("2026-12-08", pins.Read);
        foreach (var (name, pin) in pins.Actions)
        {
            Assert.Contains(pin.RunsUsing, CurrentRuntimes);
            Assert.Matches("^[0-9a-f]{40}$", pin.Commit);
            Assert.Contains(pin.Commit, pin.Source, StringComparison.Ordinal);
            Assert.Contains(name.Split('/')[0] + "/" + name.Split('/')[1], pin.Source, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v7.0.1", "names commit 11bd7")]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.0", "comment says v7.0.0")]
    [InlineData("actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1", "actions/checkout@v7.0.1", "not a full commit SHA")]
    [InlineData("actions/setup-java@b6effb05e454b25005698d916606bdc6ffcbf961", "someone/setup-java@b6effb05e454b25005698d916606bdc6ffcbf961", "someone/setup-java is not in")]
    [InlineData("java-version: \"17\"", "java_version: \"17\"", "input java_version")]
    public void A_broken_copy_fails_the_pin_check(string find, string replace, string expected)
    {
        var text = File.ReadAllText(Workflows.Template);
        Assert.Contains(find, text, StringComparison.Ordinal);
        var broken = Workflows.TemporaryCopy(ReplaceFirst(text, find, replace));
        try
        {
            var problems = PinProblems(broken, ActionPins.Load());
            Assert.Contains(problems, p => p.Contains(expected, StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(broken)!, recursive: true);
        }
    }

    [Fact]
    public void A_pin_to_a_release_on_node_20_fails_the_pin_check()
    {
        var pins = ActionPins.Load();
        var old = pins with { Actions = pins.Actions.ToDictionary(a => a.Key, a => a.Key == "actions/checkout" ? a.Value with { RunsUsing = "node20" } : a.Value) };
        Assert.Contains(PinProblems(Workflows.Template, old), p => p.Contains("runs on node20", StringComparison.Ordinal));
    }

    /// <summary>What is wrong with the pins of one workflow file (empty when nothing is).</summary>
    internal static List<string> PinProblems(string path, ActionPins pins)
    {
        var problems = new List<string>();
        // The tag lives in a comment, which the YAML parser drops: read the lines for it.
        foreach (Match use in UsesLine().Matches(File.ReadAllText(path)))
        {
            var reference = use.Groups["ref"].Value;
            var tag = use.Groups["tag"].Success ? use.Groups["tag"].Value : null;
            var at = reference.LastIndexOf('@');
            var name = at < 0 ? reference : reference[..at];
            var commit = at < 0 ? "" : reference[(at + 1)..];
            if (!CommitSha().IsMatch(commit))
            {
                problems.Add($"{reference}: not a full commit SHA");
                continue;
            }

            if (!pins.Actions.TryGetValue(name, out var pin))
            {
                problems.Add($"{name} is not in {Path.GetFileName(ActionPins.File)}: read its tags and action.yml from its repository and record them");
                continue;
            }

            if (tag != pin.Tag)
            {
                problems.Add($"{reference}: the comment says {tag ?? "nothing"}, the table pins {pin.Tag}");
            }

            if (commit != pin.Commit)
            {
                problems.Add($"{reference}: names commit {commit[..5]}…, but {pin.Tag} is {pin.Commit}");
            }

            if (!CurrentRuntimes.Contains(pin.RunsUsing, StringComparer.Ordinal))
            {
                problems.Add($"{name} {pin.Tag} runs on {pin.RunsUsing}, not Node 24 (or composite/docker)");
            }
        }

        foreach (var (jobName, job) in Workflows.Jobs(Workflows.Load(path)).Children.Select(j => (((YamlScalarNode)j.Key).Value, (YamlMappingNode)j.Value)))
        {
            foreach (var step in Workflows.Steps(job))
            {
                var uses = Workflows.Scalar(step, "uses");
                if (uses is null || !pins.Actions.TryGetValue(uses.Split('@')[0], out var pin) || !step.Children.TryGetValue("with", out var with))
                {
                    continue;
                }

                foreach (var input in ((YamlMappingNode)with).Children.Keys.Cast<YamlScalarNode>().Select(k => k.Value!))
                {
                    if (!pin.Inputs.Contains(input, StringComparer.Ordinal))
                    {
                        problems.Add($"job {jobName}: {uses.Split('@')[0]} {pin.Tag} declares no input {input}");
                    }
                }
            }
        }

        return problems;
    }

    internal static string ReplaceFirst(string text, string find, string replace)
    {
        var index = text.IndexOf(find, StringComparison.Ordinal);
        return text[..index] + replace + text[(index + find.Length)..];
    }

    [GeneratedRegex(@"^\s*(?:-\s+)?uses:\s*(?<ref>\S+)(?:[ \t]*#[ \t]*(?<tag>\S+))?", RegexOptions.Multiline)]
    private static partial Regex UsesLine();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitSha();
}
