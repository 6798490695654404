using System.Text.RegularExpressions;
using PocketCode.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The signing key and the Play key never meet the project's own code. A job that can see a secret
/// checks out only <c>.github/scripts</c> (which PocketCode rewrites on every push), uses only the
/// checkout and artifact actions, and runs nothing but those scripts; a job that runs anything else
/// sees no secret and may write nothing in the repository. A build script could otherwise read the
/// secrets, or plant a tool or an env variable that a later step of the same job trusts.
/// </summary>
public sealed partial class WorkflowJobTrustTests
{
    /// <summary>Actions a secret-holding job may use: they fetch files, they run none of them.</summary>
    private static readonly string[] DataOnlyActions = ["actions/checkout", "actions/download-artifact", "actions/upload-artifact"];

    private const string ScriptsFolder = ".github/scripts";

    /// <summary>
    /// Jobs of the repository's own deploy workflow that hold cloud credentials and run this
    /// repository's code (docker builds of its Dockerfiles, terraform): that code is PocketCode's,
    /// reviewed before it reaches main, and GitHub gives no secrets to pull requests from forks.
    /// Its test job (which runs third-party packages) is held to the rule like any other.
    /// </summary>
    private static readonly Dictionary<string, string[]> DeployJobs = new(StringComparer.Ordinal)
    {
        [Path.Combine(".github", "workflows", "deploy.yml")] = ["images", "terraform"],
    };

    public static TheoryData<string> WorkflowFiles() => [.. Workflows.All];

    [Theory]
    [MemberData(nameof(WorkflowFiles))]
    public void No_job_that_runs_project_code_can_see_a_secret(string workflow)
    {
        var problems = TrustProblems(NpmFolder.InRepository(workflow));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_template_keeps_each_key_in_its_own_job()
    {
        var jobs = Workflows.Jobs(Workflows.Load(Workflows.Template));
        Assert.Empty(SecretsOf(jobs["build"]));
        Assert.Equal(["ANDROID_KEYSTORE_BASE64", "ANDROID_KEYSTORE_PASSWORD", "ANDROID_KEYSTORE_TYPE", "ANDROID_KEY_ALIAS", "ANDROID_KEY_PASSWORD"], SecretsOf(jobs["sign"]));
        Assert.Equal(["PLAY_SERVICE_ACCOUNT_JSON"], SecretsOf(jobs["publish"]));
        Assert.Empty(SecretsOf(jobs["report"]));
    }

    [Theory]
    [InlineData("keystore in build", "          VERSION_NAME: ${{ steps.version.outputs.name }}\n", "          VERSION_NAME: ${{ steps.version.outputs.name }}\n          KEYSTORE_BASE64: ${{ secrets.ANDROID_KEYSTORE_BASE64 }}\n", "job build")]
    [InlineData("full checkout in sign", "          sparse-checkout: .github/scripts\n          sparse-checkout-cone-mode: false\n", "", "job sign: checks out more than .github/scripts")]
    [InlineData("cone-mode checkout in sign", "          sparse-checkout-cone-mode: false\n", "", "job sign: checks out more than .github/scripts")]
    [InlineData("gradle in sign", "run: .github/scripts/sign.sh", "run: ./gradlew signingReport && .github/scripts/sign.sh", "job sign: runs ./gradlew")]
    [InlineData("setup-gradle in publish", "      - name: Download the signed bundle\n        uses: actions/download-artifact@", "      - name: Download the signed bundle\n        uses: gradle/actions/setup-gradle@", "job publish: uses gradle/actions/setup-gradle")]
    [InlineData("upper-case secret in build", "          VERSION_NAME: ${{ steps.version.outputs.name }}\n", "          VERSION_NAME: ${{ steps.version.outputs.name }}\n          PLAY: ${{ SECRETS.PLAY_SERVICE_ACCOUNT_JSON }}\n", "job build")]
    [InlineData("inherited secrets in build", "  build:\n    name: Build\n", "  build:\n    name: Build\n    secrets: inherit\n", "job build")]
    [InlineData("write access in build", "      contents: read\n      id-token: write\n    env:\n      BUILD_ID", "      contents: write\n      id-token: write\n    env:\n      BUILD_ID", "job build: runs project code with contents: write")]
    public void A_broken_copy_fails_the_trust_check(string why, string find, string replace, string expected)
    {
        var text = File.ReadAllText(Workflows.Template);
        Assert.Contains(find, text, StringComparison.Ordinal);
        var broken = Workflows.TemporaryCopy(WorkflowPinTests.ReplaceFirst(text, find, replace));
        try
        {
            var problems = TrustProblems(broken);
            Assert.True(problems.Exists(p => p.Contains(expected, StringComparison.Ordinal)), $"{why}: expected \"{expected}\" in:\n{string.Join("\n", problems)}");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(broken)!, recursive: true);
        }
    }

    /// <summary>What breaks the trust rules in one workflow file (empty when nothing does).</summary>
    internal static List<string> TrustProblems(string path)
    {
        var problems = new List<string>();
        var workflow = Workflows.Load(path);
        var deployJobs = DeployJobs.GetValueOrDefault(Path.GetRelativePath(NpmFolder.RepositoryRoot, path), []);
        if (workflow.Children.TryGetValue("env", out var globalEnv) && SecretsOf(globalEnv).Count > 0)
        {
            problems.Add("the workflow-level env hands a secret to every job");
        }

        foreach (var (name, job) in Workflows.Jobs(workflow).Children.Select(j => (((YamlScalarNode)j.Key).Value!, (YamlMappingNode)j.Value)))
        {
            var inherits = Workflows.Scalar(job, "secrets") == "inherit";
            var holdsSecrets = inherits || SecretsOf(job).Count > 0;
            var untrusted = UntrustedParts(job);
            var permissions = job.Children.TryGetValue("permissions", out var own) ? own
                : workflow.Children.TryGetValue("permissions", out var shared) ? shared : null;
            if (holdsSecrets && deployJobs.Contains(name, StringComparer.Ordinal))
            {
                continue;
            }

            if (holdsSecrets)
            {
                problems.AddRange(untrusted.Select(u => $"job {name}: {u}, yet it can see {(inherits ? "every secret" : string.Join(", ", SecretsOf(job)))}"));
                if (Workflows.Scalar(job, "uses") is { } reusable)
                {
                    problems.Add($"job {name}: hands secrets to the reusable workflow {reusable}");
                }
            }
            else if (untrusted.Count > 0 && permissions is not null)
            {
                foreach (var (scope, level) in Permissions(permissions))
                {
                    if (level == "write" && scope != "id-token")
                    {
                        problems.Add($"job {name}: runs project code with {scope}: write");
                    }
                }
            }
            else if (untrusted.Count > 0)
            {
                problems.Add($"job {name}: runs project code without a permissions block (it would get the workflow's or the repository's default token)");
            }
        }

        return problems;
    }

    /// <summary>Names of the secrets referenced anywhere under <paramref name="node"/> (expressions are case-insensitive).</summary>
    internal static List<string> SecretsOf(YamlNode node) =>
        [.. node.AllNodes.OfType<YamlScalarNode>().SelectMany(s => SecretReference().Matches(s.Value ?? "").Select(m => m.Groups[1].Value)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    /// <summary>What in a job reaches beyond .github/scripts: a wider checkout, another action, another command.</summary>
    private static List<string> UntrustedParts(YamlMappingNode job)
    {
        var parts = new List<string>();
        if (job.Children.ContainsKey("defaults"))
        {
            parts.Add("sets run defaults (a working directory or shell of its own)");
        }

        foreach (var step in Workflows.Steps(job))
        {
            if (Workflows.Scalar(step, "uses") is { } uses)
            {
                var action = uses.Split('@')[0];
                if (!DataOnlyActions.Contains(action, StringComparer.Ordinal))
                {
                    parts.Add($"uses {action}");
                }
                else if (action == "actions/checkout" && !ScriptsOnly(step))
                {
                    parts.Add($"checks out more than {ScriptsFolder}");
                }
            }

            if (step.Children.ContainsKey("working-directory") || step.Children.ContainsKey("shell"))
            {
                parts.Add("sets a step's working directory or shell");
            }

            if (Workflows.Scalar(step, "run") is { } run)
            {
                foreach (var line in run.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                {
                    if (!ScriptCall().IsMatch(line))
                    {
                        parts.Add($"runs {line}");
                    }
                }
            }
        }

        return parts;
    }

    /// <summary>A sparse, non-cone checkout of .github/scripts alone (cone mode would add the root's files).</summary>
    private static bool ScriptsOnly(YamlMappingNode checkout) =>
        checkout.Children.TryGetValue("with", out var with)
        && Workflows.Scalar((YamlMappingNode)with, "sparse-checkout")?.Trim() is ScriptsFolder or ScriptsFolder + "/"
        && Workflows.Scalar((YamlMappingNode)with, "sparse-checkout-cone-mode") == "false"
        && Workflows.Scalar((YamlMappingNode)with, "repository") is null
        && Workflows.Scalar((YamlMappingNode)with, "ref") is null;

    private static IEnumerable<(string Scope, string Level)> Permissions(YamlNode permissions) => permissions switch
    {
        YamlScalarNode all => [("all", all.Value is "write-all" ? "write" : "read")],
        YamlMappingNode map => map.Children.Select(c => (((YamlScalarNode)c.Key).Value!, ((YamlScalarNode)c.Value).Value!)),
        _ => [],
    };

    [GeneratedRegex(@"secrets\s*\.\s*([A-Za-z0-9_]+)", RegexOptions.IgnoreCase)]
    private static partial Regex SecretReference();

    /// <summary>One call of a pipeline script with plain arguments: no second command, pipe or substitution.</summary>
    [GeneratedRegex(@"^\.github/scripts/[A-Za-z0-9_-]+\.sh(?:\s(?:[^;&|`<>$\\]|\$(?!\())*)?$")]
    private static partial Regex ScriptCall();
}
