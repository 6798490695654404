using System.Text.RegularExpressions;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// The services' one Dockerfile passes dockerfilelint, has one image target per service (the ones
/// deploy.yml builds), and each target builds the kind of image Cloud Run should run.
/// </summary>
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Targets => [.. Dockerfile.LoadServices().Targets];

    [Fact]
    public async Task Passes_dockerfilelint()
    {
        var result = await Linters.RunAsync("dockerfilelint", NpmFolder.InRepository(Dockerfile.ServicesPath));
        Assert.True(result.ExitCode == 0, $"dockerfilelint finds problems in {Dockerfile.ServicesPath}:\n{result.StandardOutput}");
    }

    [Fact]
    public async Task Dockerfilelint_still_wants_a_tag_on_an_outside_image_but_not_on_a_stage()
    {
        // lint.mjs drops dockerfilelint's "missing tag" finding for FROM <earlier stage>; an outside image without a tag is still a finding.
        var text = await File.ReadAllTextAsync(NpmFolder.InRepository(Dockerfile.ServicesPath), TestContext.Current.CancellationToken);
        const string Runtime = "FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS dotnet-runtime";
        Assert.Contains(Runtime, text, StringComparison.Ordinal);
        var folder = Directory.CreateTempSubdirectory("pocketcode-dockerfile-").FullName;
        try
        {
            var broken = Path.Combine(folder, "Dockerfile");
            await File.WriteAllTextAsync(broken, text.Replace(Runtime, "FROM mcr.microsoft.com/dotnet/aspnet AS dotnet-runtime", StringComparison.Ordinal), TestContext.Current.CancellationToken);
            var result = await Linters.RunAsync("dockerfilelint", broken);
            Assert.Equal(1, result.ExitCode);
            var finding = Assert.Single(System.Text.Json.JsonDocument.Parse(result.StandardOutput).RootElement.EnumerateArray());
            Assert.Equal("Base Image Missing Tag", finding.GetProperty("title").GetString());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Its_targets_are_the_three_services_and_exactly_what_the_deploy_workflow_builds()
    {
        var targets = Dockerfile.LoadServices().Targets.Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["api-proxy", "bff", "marketplace"], targets);

        var workflow = await File.ReadAllTextAsync(NpmFolder.InRepository(".github", "workflows", "deploy.yml"), TestContext.Current.CancellationToken);
        Assert.Contains("file: services/Dockerfile", workflow, StringComparison.Ordinal);
        var built = MatrixTargetPattern().Matches(workflow).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(targets, built);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void Each_target_is_multi_stage_with_a_chiseled_non_root_runtime(string target)
    {
        var dockerfile = Dockerfile.LoadServices();
        Assert.True(dockerfile.StagesBuiltFor(target).Count >= 2, $"{target} should build in one stage and run in another (multi-stage).");

        var image = dockerfile.BaseImage(target);
        Assert.True(image.Contains("chiseled", StringComparison.Ordinal), $"{target}: the runtime image should be a chiseled .NET image, not '{image}'.");

        var user = dockerfile.InEffect("USER", target)?.Arguments;
        Assert.True(user is not null && user is not ("root" or "0" or "0:0"), $"{target}: the image should run as a non-root USER (it is {user ?? "unset"}).");

        // PORT is honoured by the services themselves (ListenUrls); an explicit ASPNETCORE_URLS would override it.
        Assert.DoesNotContain(dockerfile.Lineage(target).SelectMany(s => s.Instructions),
            i => i.Keyword == "ENV" && i.Arguments.Contains("ASPNETCORE_URLS", StringComparison.Ordinal));
        Assert.NotNull(dockerfile.ExecForm("ENTRYPOINT", target));
    }

    [Fact]
    public void The_reader_follows_each_target_to_its_own_publish_commands_entry_point_and_health_check()
    {
        var dockerfile = Dockerfile.LoadServices();

        var bff = dockerfile.DotnetCommands("publish", "bff");
        Assert.Contains(bff, p => p.Contains("services/bff/src/PocketCode.Bff.csproj"));
        Assert.Contains(bff, p => p.Contains("libs/healthprobe/PocketCode.HealthProbe.csproj"));
        Assert.DoesNotContain(bff, p => p.Any(a => a.Contains("Marketplace", StringComparison.Ordinal) || a.Contains("ApiProxy", StringComparison.Ordinal)));
        Assert.All(bff, p => Assert.Equal("publish", p[0]));
        Assert.Equal(["dotnet", "PocketCode.Bff.dll"], dockerfile.ExecForm("ENTRYPOINT", "bff"));
        Assert.Equal(["dotnet", "/healthprobe/PocketCode.HealthProbe.dll"], dockerfile.ExecForm("HEALTHCHECK", "bff"));

        var proxy = dockerfile.DotnetCommands("publish", "api-proxy");
        Assert.Equal("services/api-proxy/src/PocketCode.ApiProxy.csproj", Assert.Single(proxy)[1]);
        Assert.Equal(["/app/PocketCode.ApiProxy"], dockerfile.ExecForm("ENTRYPOINT", "api-proxy"));
        Assert.Null(dockerfile.ExecForm("HEALTHCHECK", "api-proxy"));
        Assert.Contains("runtime-deps", dockerfile.BaseImage("api-proxy"), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^\s+target:\s*([A-Za-z0-9._-]+)\s*$", RegexOptions.Multiline)]
    private static partial Regex MatrixTargetPattern();
}
