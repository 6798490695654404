extern alias market;

using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Assets;

/// <summary>The real marketplace service listening on a Kestrel socket at 127.0.0.1.</summary>
public sealed class MarketplaceOnKestrel : ServiceFactory<market::Program>
{
    public MarketplaceOnKestrel() => UseKestrel(0);

    public Uri Address => new(Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("urls", "http://127.0.0.1:0");
    }
}

/// <summary>A marketplace on Kestrel and a BFF whose Services:Marketplace:Url points at it: real HTTP between them.</summary>
public sealed class InstallFixture : IAsyncLifetime
{
    public MarketplaceOnKestrel Marketplace { get; } = new();

    public ServiceFactory<Program> Bff { get; } = new();

    public async ValueTask InitializeAsync()
    {
        await Marketplace.InitializeAsync();
        Marketplace.StartServer();
        Bff.Settings["Services:Marketplace:Url"] = Marketplace.Address.ToString();
        await Bff.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Bff.DisposeAsync();
        await Marketplace.DisposeAsync();
    }
}

public sealed class AssetInstallTests(InstallFixture fixture) : IClassFixture<InstallFixture>
{
    private static byte[] Zip(params (string Name, string Content)[] files)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes(content));
            }
        }

        return memory.ToArray();
    }

    /// <summary>Creates and publishes an asset on the marketplace as <paramref name="author"/>; returns its id.</summary>
    private static async Task<string> PublishAsync(HttpClient author, string kind, byte[] zip, string version = "1.0.0")
    {
        var created = await ReadJsonAsync(await author.PostAsJsonAsync("/v1/marketplace/assets", new
        {
            kind, title = "Install " + kind, description = "For install tests", license = "MIT", tags = new[] { "install" },
        }, Ct), HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var declared = await ReadJsonAsync(await author.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new
        {
            version, changelog = "", sha256 = Convert.ToHexStringLower(SHA256.HashData(zip)), size = zip.Length,
        }, Ct), HttpStatusCode.Created);
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/zip");
        using var anonymous = new HttpClient();
        using (var put = await anonymous.PutAsync(declared.GetProperty("upload").GetProperty("url").GetString(), content, Ct))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        await ReadJsonAsync(await author.PostAsync($"/v1/marketplace/assets/{id}/versions/{version}/confirm", null, Ct));
        return id;
    }

    private static async Task<string> EmptyProjectAsync(HttpClient user)
    {
        var id = await user.CreateProjectIdAsync("Install Target", "com.example.install");
        foreach (var (path, etag) in await user.TreeAsync(id))
        {
            using var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/projects/{id}/files/{path}");
            request.Headers.TryAddWithoutValidation("If-Match", etag);
            using var deleted = await user.SendAsync(request, Ct);
            Assert.True(deleted.IsSuccessStatusCode, $"delete {path}: {(int)deleted.StatusCode}");
        }

        Assert.Empty(await user.TreeAsync(id));
        return id;
    }

    [Fact]
    public async Task A_template_installs_into_an_empty_project_and_a_component_under_a_chosen_folder()
    {
        using var author = await fixture.Marketplace.CreateClientForAsync("install-author");
        using var user = await fixture.Bff.CreateClientForAsync("install-user");
        var template = await PublishAsync(author, "template", Zip(("settings.gradle.kts", "rootProject.name = \"t\""), ("app/build.gradle.kts", "plugins {}"), ("app/src/main/Main.kt", "fun main() {}")));
        var component = await PublishAsync(author, "component", Zip(("LoginScreen.kt", "@Composable fun Login() {}"), ("README.md", "# Login")));

        var project = await EmptyProjectAsync(user);
        var installed = await ReadJsonAsync(await user.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = template, version = "1.0.0" }, Ct));
        Assert.Equal(3, installed.GetProperty("written").GetInt32());
        Assert.Equal("rootProject.name = \"t\"", await user.GetFileTextAsync(project, "settings.gradle.kts"));

        // A template needs an empty project: a second install refuses unless asked to overwrite.
        using (var again = await user.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = template, version = "1.0.0" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict);
        }

        var component1 = await ReadJsonAsync(await user.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0", path = "app/src/main/ui" }, Ct));
        Assert.Equal(["app/src/main/ui/LoginScreen.kt", "app/src/main/ui/README.md"], component1.GetProperty("files").EnumerateArray().Select(f => f.GetString()!).ToArray());
        Assert.Equal("@Composable fun Login() {}", await user.GetFileTextAsync(project, "app/src/main/ui/LoginScreen.kt"));

        // The same component again collides with its own files: refused, unchanged, then allowed with overwrite.
        using (var change = await user.PutFileAsync(project, "app/src/main/ui/LoginScreen.kt", "my edits"))
        {
            Assert.True(change.IsSuccessStatusCode);
        }

        var before = await user.TreeAsync(project);
        using (var collide = await user.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0", path = "app/src/main/ui" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(collide, HttpStatusCode.Conflict);
        }

        Assert.Equal(before, await user.TreeAsync(project));
        Assert.Equal("my edits", await user.GetFileTextAsync(project, "app/src/main/ui/LoginScreen.kt"));
        var overwritten = await ReadJsonAsync(await user.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0", path = "app/src/main/ui", overwrite = true }, Ct));
        Assert.Equal(2, overwritten.GetProperty("overwritten").GetInt32());
        Assert.Equal("@Composable fun Login() {}", await user.GetFileTextAsync(project, "app/src/main/ui/LoginScreen.kt"));

        // Each install asked the marketplace for a download link, which it counted.
        var detail = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{component}", Ct));
        Assert.True(detail.GetProperty("downloads").GetInt64() >= 2);
    }

    [Fact]
    public async Task Bad_requests_and_other_users_projects_are_refused()
    {
        using var author = await fixture.Marketplace.CreateClientForAsync("install-author-2");
        using var owner = await fixture.Bff.CreateClientForAsync("install-owner");
        using var intruder = await fixture.Bff.CreateClientForAsync("install-intruder");
        var component = await PublishAsync(author, "component", Zip(("Widget.kt", "fun widget() {}")));
        var project = await owner.CreateProjectIdAsync("Owned", "com.example.owned");
        var before = await owner.TreeAsync(project);

        using (var foreign = await intruder.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0", path = "ui" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(foreign, HttpStatusCode.NotFound);
        }

        using (var noPath = await owner.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0" }, Ct))
        {
            await ProblemAssert.IsValidationProblemAsync(noPath, "path");
        }

        using (var escape = await owner.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "1.0.0", path = "../outside" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(escape, HttpStatusCode.BadRequest);
        }

        using (var missingVersion = await owner.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = component, version = "9.9.9", path = "ui" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(missingVersion, HttpStatusCode.NotFound);
        }

        using (var missingAsset = await owner.PostAsJsonAsync($"/v1/projects/{project}/assets", new { assetId = "nosuchasset000000000", version = "1.0.0", path = "ui" }, Ct))
        {
            await ProblemAssert.IsProblemAsync(missingAsset, HttpStatusCode.NotFound);
        }

        Assert.Equal(before, await owner.TreeAsync(project));
    }
}
