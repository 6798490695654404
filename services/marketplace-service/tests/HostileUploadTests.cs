using System.Net;
using System.Net.Http.Json;
using System.Text;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

namespace PocketCode.Marketplace.Tests;

/// <summary>Hostile uploads are rejected with the reason recorded, and nothing is published.</summary>
public sealed class HostileUploadTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    public static TheoryData<string> Cases => ["zip-slip", "absolute", "symlink", "zip-bomb", "wrong-sha256", "larger-than-declared", "not-a-zip", "template-without-gradle"];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Hostile_upload_is_rejected_and_nothing_is_published(string kind)
    {
        using var author = await factory.CreateClientForAsync("hostile-" + kind);
        using var other = await factory.CreateClientForAsync("onlooker-" + kind);
        var id = await CreateAssetAsync(author, title: "Hostile " + kind);
        var good = TemplateZip();
        byte[] zip = kind switch
        {
            "zip-slip" => Zip([("settings.gradle", "x"u8.ToArray(), 0), ("../../evil.sh", "rm -rf /"u8.ToArray(), 0)]),
            "absolute" => Zip([("settings.gradle", "x"u8.ToArray(), 0), ("/etc/passwd", "root"u8.ToArray(), 0)]),
            "symlink" => Zip([("settings.gradle", "x"u8.ToArray(), 0), ("link", Encoding.UTF8.GetBytes("/etc/passwd"), 0xA1FF)]),
            "zip-bomb" => Zip([("settings.gradle", "x"u8.ToArray(), 0), ("bomb.txt", new byte[20 * 1024 * 1024], 0)]),
            "not-a-zip" => Encoding.UTF8.GetBytes("this is not a zip archive at all"),
            "template-without-gradle" => Zip(("README.md", "no gradle here")),
            _ => good,
        };
        var sha = kind == "wrong-sha256" ? Sha256("something else"u8.ToArray()) : Sha256(zip);
        using var confirmed = kind == "larger-than-declared"
            ? await PublishViaSignedUrlAsync(author, id, "1.0.0", good, Sha256(good), good.Length - 10)
            : await PublishViaSignedUrlAsync(author, id, "1.0.0", zip, sha);
        var problem = await ProblemAssert.IsProblemAsync(confirmed, HttpStatusCode.UnprocessableEntity, "version_rejected");
        Assert.Contains("not published", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var version = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0", Ct));
        Assert.Equal("rejected", version.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(version.GetProperty("reason").GetString()));
        var detail = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}", Ct));
        Assert.Equal("draft", detail.GetProperty("status").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, detail.GetProperty("latestVersion").ValueKind);
        using (var download = await author.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0/download", Ct))
        {
            await ProblemAssert.IsProblemAsync(download, HttpStatusCode.NotFound);
        }

        using (var hidden = await other.GetAsync($"/v1/marketplace/assets/{id}", Ct))
        {
            await ProblemAssert.IsProblemAsync(hidden, HttpStatusCode.NotFound);
        }

        Assert.DoesNotContain(id, Ids(await SearchAsync(other, "q=hostile")));

        // The same version can be declared again with a good zip and then publishes.
        await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", good));
        Assert.Contains(id, Ids(await SearchAsync(other, "q=hostile")));
    }

    [Fact]
    public async Task Oversized_declaration_is_refused_before_any_upload()
    {
        using var author = await factory.CreateClientForAsync("oversized");
        var id = await CreateAssetAsync(author, title: "Oversized");
        using var response = await author.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new
        {
            version = "1.0.0", changelog = "", sha256 = new string('a', 64), size = 51L * 1024 * 1024,
        }, Ct);
        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        using var missing = await author.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0", Ct);
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Streamed_body_longer_than_declared_is_rejected()
    {
        using var author = await factory.CreateClientForAsync("streamer");
        var id = await CreateAssetAsync(author, title: "Streamed");
        var zip = TemplateZip();
        using var response = await PublishViaServiceAsync(author, id, "1.0.0", zip, Sha256(zip), zip.Length - 1);
        await ProblemAssert.IsClientProblemAsync(response);
        var version = await ReadJsonAsync(await author.GetAsync($"/v1/marketplace/assets/{id}/versions/1.0.0", Ct));
        Assert.NotEqual("published", version.GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{"version":"1.0","changelog":"","sha256":"aa","size":1}""", "version")]
    [InlineData("""{"version":"1.0.0","changelog":"","sha256":"ABC","size":1}""", "sha256")]
    [InlineData("""{"version":"1.0.0","changelog":"","sha256":"0000000000000000000000000000000000000000000000000000000000000000","size":0}""", "size")]
    public async Task Bad_version_declarations_are_400s(string body, string field)
    {
        using var author = await factory.CreateClientForAsync("declarer");
        var id = await CreateAssetAsync(author, title: "Declarations");
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await author.PostAsync($"/v1/marketplace/assets/{id}/versions", content, Ct);
        await ProblemAssert.IsValidationProblemAsync(response, field);
    }
}
