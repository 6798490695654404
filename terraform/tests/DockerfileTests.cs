using PocketCode.Testing;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>Every service Dockerfile passes dockerfilelint and builds the kind of image Cloud Run should run.</summary>
public sealed class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => [.. Dockerfile.ServiceDockerfiles];

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public async Task Passes_dockerfilelint(string path)
    {
        var result = await Linters.RunAsync("dockerfilelint", NpmFolder.InRepository(path));
        Assert.True(result.ExitCode == 0, $"dockerfilelint finds problems in {path}:\n{result.StandardOutput}");
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Is_multi_stage_with_a_chiseled_non_root_runtime(string path)
    {
        var dockerfile = Dockerfile.Load(path);
        Assert.True(dockerfile.Instructions.Count(i => i.Keyword == "FROM") >= 2, $"{path} should build in one stage and run in another (multi-stage).");

        var final = dockerfile.FinalStage;
        var image = final[0].Arguments;
        Assert.True(image.Contains("chiseled", StringComparison.Ordinal), $"{path}: the runtime image should be a chiseled .NET image, not '{image}'.");

        var user = final.LastOrDefault(i => i.Keyword == "USER")?.Arguments;
        Assert.True(user is not null && user is not ("root" or "0" or "0:0"), $"{path}: the runtime stage should end as a non-root USER (it is {user ?? "unset"}).");

        // PORT is honoured by the services themselves (ListenUrls); an explicit ASPNETCORE_URLS would override it.
        Assert.DoesNotContain(final, i => i.Keyword == "ENV" && i.Arguments.Contains("ASPNETCORE_URLS", StringComparison.Ordinal));
        Assert.NotNull(dockerfile.ExecForm("ENTRYPOINT"));
    }

    [Fact]
    public void The_reader_finds_the_publish_commands_the_entry_point_and_the_health_check()
    {
        var dockerfile = Dockerfile.Load(Path.Combine("services", "bff", "Dockerfile"));
        var publishes = dockerfile.DotnetCommands("publish");
        Assert.Contains(publishes, p => p.Contains("services/bff/src/PocketCode.Bff.csproj"));
        Assert.All(publishes, p => Assert.Equal("publish", p[0]));
        Assert.Equal(["dotnet", "PocketCode.Bff.dll"], dockerfile.ExecForm("ENTRYPOINT"));
        Assert.Equal(["dotnet", "/healthprobe/PocketCode.HealthProbe.dll"], dockerfile.ExecForm("HEALTHCHECK"));
    }
}
