using PocketCode.Testing;
using Xunit;

namespace PocketCode.Terraform.Tests;

/// <summary>
/// Runs the <c>dotnet publish</c> commands each image target of the services' Dockerfile runs (restore included, output into a
/// temporary folder), so a change that would break an image build fails the suite here, where no
/// Docker engine exists. Minutes of CPU: one class of its own, so it overlaps the other classes.
/// </summary>
public sealed class DockerPublishTests
{
    public static TheoryData<string> Targets => [.. Dockerfile.LoadServices().Targets];

    [Theory]
    [MemberData(nameof(Targets))]
    public async Task The_dotnet_publish_of_the_image_build_succeeds_and_produces_its_entry_point(string target)
    {
        var dockerfile = Dockerfile.LoadServices();
        var publishes = dockerfile.DotnetCommands("publish", target);
        Assert.True(publishes.Count > 0, $"target {target} runs no `dotnet publish`.");

        var output = Directory.CreateTempSubdirectory("pocketcode-publish-").FullName;
        try
        {
            var produced = new List<string>();
            for (var index = 0; index < publishes.Count; index++)
            {
                var folder = Path.Combine(output, index.ToString(System.Globalization.CultureInfo.InvariantCulture));
                var arguments = Localise(publishes[index], folder);
                var result = await NpmFolder.RunAsync("dotnet", arguments, NpmFolder.RepositoryRoot, TimeSpan.FromMinutes(20));
                Assert.True(result.ExitCode == 0,
                    $"`dotnet {string.Join(' ', arguments)}` (from target {target}) fails with exit code {result.ExitCode}:\n{Tail(result.StandardOutput)}\n{Tail(result.StandardError)}");
                produced.AddRange(Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(Path.GetFileName)!);
            }

            // What the container starts must be among what was published.
            foreach (var keyword in new[] { "ENTRYPOINT", "HEALTHCHECK" })
            {
                if (dockerfile.ExecForm(keyword, target) is not { Count: > 0 } command)
                {
                    continue;
                }

                var program = command[0] == "dotnet" && command.Count > 1 ? command[1] : command[0];
                Assert.True(produced.Contains(Path.GetFileName(program)),
                    $"{target}: {keyword} runs {program}, which none of its dotnet publish commands produces.");
            }
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    /// <summary>The Dockerfile's arguments with the output redirected and restore allowed (the image restores in a step of its own).</summary>
    private static List<string> Localise(IReadOnlyList<string> publish, string output)
    {
        var arguments = new List<string>();
        for (var i = 0; i < publish.Count; i++)
        {
            var argument = publish[i];
            if (argument is "-o" or "--output")
            {
                i++;
                continue;
            }

            if (argument.StartsWith("--output=", StringComparison.Ordinal) || argument == "--no-restore")
            {
                continue;
            }

            arguments.Add(argument);
        }

        arguments.AddRange(["-o", output, "-nologo", "-clp:ErrorsOnly"]);
        return arguments;
    }

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
