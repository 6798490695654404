using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Projects.Templates;
using PocketCode.Bff.Tests.Archives;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Every pushed project carries Gradle's own wrapper: from the starter template, added at push
/// when the project lacks it, and refused (nothing pushed) when a jar is not one Gradle published.
/// Real template files, the real push into a bare repository of the GitHub stand-in.
/// </summary>
public sealed class GradleWrapperTests(BuildsFixture fixture) : IClassFixture<BuildsFixture>
{
    private static readonly string TemplatesFolder = NpmFolder.InRepository("services", "bff", "templates");
    private static readonly string StarterFolder = Path.Combine(TemplatesFolder, StarterTemplates.EmptyActivity);

    [Fact]
    public async Task A_project_from_the_starter_template_is_pushed_with_gradles_wrapper()
    {
        var client = await fixture.UserWithCredentialsAsync("wrapper-starter");
        var projectId = await client.CreateProjectIdAsync("Wrapped", "com.example.wrapped");

        var tree = await PushedTreeAsync(client, projectId);

        AssertCanonicalWrapper(tree);
        Assert.Equal(Recorded().WrapperJarSha256, Sha256(tree[GradleWrapper.Jar].Content));
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("imported")]
    public async Task A_project_without_wrapper_files_gets_gradles_at_push(string how)
    {
        var client = await fixture.UserWithCredentialsAsync("wrapper-missing-" + how);
        var projectId = await client.CreateProjectIdAsync("Unwrapped", "com.example.unwrapped");
        if (how == "deleted")
        {
            foreach (var path in GradleWrapper.Paths)
            {
                using var deleted = await client.DeleteAsync($"/v1/projects/{projectId}/files/{path}", Ct);
                Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
            }
        }
        else
        {
            // A zip made elsewhere, without the wrapper, replaces the project's files.
            var zip = ArchiveTests.Zip(z =>
            {
                ArchiveTests.Add(z, "settings.gradle.kts", "rootProject.name = \"Unwrapped\"\ninclude(\":app\")\n");
                ArchiveTests.Add(z, "app/build.gradle.kts", "plugins { id(\"com.android.application\") }\n");
            });
            using var imported = await ArchiveTests.ImportAsync(client, projectId, zip);
            Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        }

        Assert.DoesNotContain((await client.TreeAsync(projectId)).Keys, GradleWrapper.Paths.Contains);

        var tree = await PushedTreeAsync(client, projectId);

        AssertCanonicalWrapper(tree);
    }

    [Theory]
    [InlineData(GradleWrapper.Jar)]
    [InlineData("build-logic/gradle/wrapper/gradle-wrapper.jar")]
    public async Task A_tampered_wrapper_jar_fails_the_build_and_nothing_is_pushed(string jarPath)
    {
        var uid = "wrapper-tampered-" + jarPath.Count(c => c == '/');
        var client = await fixture.UserWithCredentialsAsync(uid);
        var projectId = await client.CreateProjectIdAsync("Tampered", "com.example.tampered");
        var jar = await File.ReadAllBytesAsync(Path.Combine(StarterFolder, GradleWrapper.Jar), Ct);
        jar[jar.Length / 2] ^= 0x01;
        using (var request = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{projectId}/files/{jarPath}") { Content = new ByteArrayContent(jar) })
        using (var put = await client.SendAsync(request, Ct))
        {
            Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}");
        }

        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForAsync(client, buildId, b => b.GetProperty("state").GetString() is "failed" or "succeeded" || b.GetProperty("step").GetString() == "dispatched");

        Assert.Equal("failed", build.GetProperty("state").GetString());
        var error = build.GetProperty("error");
        Assert.Equal("push", error.GetProperty("step").GetString());
        Assert.Equal("gradle_wrapper_not_gradles", error.GetProperty("code").GetString());
        Assert.Contains($"'{jarPath}' is not Gradle's wrapper", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        // Nothing reached the repository, no commit was recorded and no workflow was dispatched.
        var repo = build.GetProperty("githubRepo");
        using var bare = new Repository(fixture.GitHub.BareRepositoryPath(repo.GetProperty("owner").GetString()!, repo.GetProperty("name").GetString()!));
        Assert.Empty(bare.Refs);
        Assert.False(build.TryGetProperty("commitSha", out var sha) && sha.ValueKind == JsonValueKind.String, build.ToString());
        Assert.DoesNotContain(fixture.GitHub.Dispatches, d => d.Body.GetProperty("inputs").GetProperty("build_id").GetString() == buildId);
    }

    /// <summary>
    /// What was read from gradle/actions v6.3.0 (2026-12-08): the SHA-256 of its
    /// wrapper-checksums.json list written as "version checksum\n" lines in the file's order, its
    /// length, and Gradle 8.10.2's published wrapper checksum. The data file must still hold exactly that.
    /// </summary>
    private const string ReadListDigest = "a309ca831fd5d5890fed4025eb22a444624c5357550db02a131233c9b15bdd3c";
    private const int ReadListLength = 368;
    private const string ReadGradle8102WrapperSha256 = "2db75c40782f5e8ba1fc278a5574bab070adccb2d21ca5a6e5ed840888448046";

    [Fact]
    public void The_recorded_checksums_are_the_ones_read_from_gradle_actions_and_match_the_template()
    {
        var recorded = Recorded();

        Assert.Equal(("gradle/actions", "v6.3.0", "9c971963bec38e04b3d30dcc455b5382be2fdbfb"), (recorded.Repository, recorded.Tag, recorded.Commit));
        Assert.Equal(ReadListLength, recorded.Published.Count);
        Assert.Equal(ReadListDigest, Sha256(Encoding.UTF8.GetBytes(string.Concat(recorded.Published.Select(p => $"{p.Version} {p.Checksum}\n")))));
        Assert.Equal(("8.10.2", ReadGradle8102WrapperSha256), (recorded.GradleVersion, recorded.WrapperJarSha256));
        Assert.Contains((recorded.GradleVersion, recorded.WrapperJarSha256), recorded.Published);

        // The template's jar is that published jar, and its properties name that version and the distribution's checksum.
        Assert.Equal(recorded.WrapperJarSha256, Sha256(File.ReadAllBytes(Path.Combine(StarterFolder, GradleWrapper.Jar))));
        var properties = File.ReadAllLines(Path.Combine(StarterFolder, GradleWrapper.Properties));
        Assert.Contains($"distributionUrl=https\\://services.gradle.org/distributions/gradle-{recorded.GradleVersion}-bin.zip", properties);
        Assert.Contains($"distributionSha256Sum={recorded.DistributionSha256}", properties);
        Assert.StartsWith("#!/bin/sh\n", File.ReadAllText(Path.Combine(StarterFolder, GradleWrapper.Script)), StringComparison.Ordinal);
        Assert.Contains("\r\n", File.ReadAllText(Path.Combine(StarterFolder, GradleWrapper.WindowsScript)), StringComparison.Ordinal);
    }

    [Fact]
    public void A_starter_template_with_a_jar_that_is_not_gradles_stops_the_service_at_start()
    {
        var copy = Directory.CreateTempSubdirectory("pocketcode-templates-");
        try
        {
            foreach (var file in Directory.EnumerateFiles(TemplatesFolder, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(copy.FullName, Path.GetRelativePath(TemplatesFolder, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }

            var options = Options.Create(new ProjectsOptions { TemplatesPath = copy.FullName });
            new StarterTemplates(options).EnsureLoaded();

            var jar = Path.Combine(copy.FullName, StarterTemplates.EmptyActivity, GradleWrapper.Jar);
            var bytes = File.ReadAllBytes(jar);
            bytes[^1] ^= 0x01;
            File.WriteAllBytes(jar, bytes);

            var refused = Assert.Throws<InvalidOperationException>(() => new StarterTemplates(options).EnsureLoaded());
            Assert.Contains("not Gradle 8.10.2's published", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    /// <summary>Builds the project and returns the pushed commit's files (path → mode and bytes).</summary>
    private async Task<Dictionary<string, (Mode Mode, byte[] Content)>> PushedTreeAsync(HttpClient client, string projectId)
    {
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForDispatchedAsync(client, buildId);
        var repo = build.GetProperty("githubRepo");
        using var bare = new Repository(fixture.GitHub.BareRepositoryPath(repo.GetProperty("owner").GetString()!, repo.GetProperty("name").GetString()!));
        var head = bare.Branches["main"].Tip;
        Assert.Equal(build.GetProperty("commitSha").GetString(), head.Sha);
        var files = new Dictionary<string, (Mode, byte[])>(StringComparer.Ordinal);
        Collect(head.Tree, string.Empty, files);
        return files;
    }

    private static void Collect(Tree tree, string prefix, Dictionary<string, (Mode, byte[])> files)
    {
        foreach (var entry in tree)
        {
            if (entry.Target is Tree sub)
            {
                Collect(sub, prefix + entry.Name + "/", files);
            }
            else if (entry.Target is Blob blob)
            {
                using var content = blob.GetContentStream();
                using var copy = new MemoryStream();
                content.CopyTo(copy);
                files[prefix + entry.Name] = (entry.Mode, copy.ToArray());
            }
        }
    }

    /// <summary>The pushed wrapper is the template's, byte for byte, with gradlew executable and nothing else.</summary>
    private static void AssertCanonicalWrapper(Dictionary<string, (Mode Mode, byte[] Content)> tree)
    {
        foreach (var path in GradleWrapper.Paths)
        {
            Assert.True(tree.TryGetValue(path, out var file), $"{path} was not pushed; have {string.Join(", ", tree.Keys)}");
            Assert.Equal(File.ReadAllBytes(Path.Combine(StarterFolder, path)), file.Content);
            Assert.Equal(path == GradleWrapper.Script ? Mode.ExecutableFile : Mode.NonExecutableFile, file.Mode);
        }
    }

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private sealed record RecordedChecksums(
        string Repository, string Tag, string Commit, string GradleVersion, string WrapperJarSha256, string DistributionSha256,
        List<(string Version, string Checksum)> Published);

    private static RecordedChecksums Recorded()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TemplatesFolder, GradleWrapper.ChecksumsFileName)));
        var root = document.RootElement;
        var source = root.GetProperty("source");
        var template = root.GetProperty("template");
        return new RecordedChecksums(
            source.GetProperty("repository").GetString()!,
            source.GetProperty("tag").GetString()!,
            source.GetProperty("commit").GetString()!,
            template.GetProperty("gradleVersion").GetString()!,
            template.GetProperty("wrapperJarSha256").GetString()!,
            template.GetProperty("distributionSha256").GetString()!,
            root.GetProperty("published").EnumerateArray().Select(e => (e.GetProperty("version").GetString()!, e.GetProperty("checksum").GetString()!)).ToList());
    }
}
