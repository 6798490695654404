using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CsCheck;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

namespace PocketCode.Marketplace.Tests.Security;

/// <summary>
/// Property tests of the marketplace's user input: random search parameters never get a 5xx, and
/// random version strings are either refused with nothing changed or published so they read back.
/// </summary>
public sealed class MarketplacePropertyTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private static readonly Gen<string?> Parameter = Gen.Frequency<string?>(
        (1, Gen.Const<string?>((string?)null)),
        (3, HostileInput.NastyString.Select(s => (string?)s)),
        (1, Gen.OneOf<string?>("relevance", "downloads", "rating", "recency", "template", "component", "compose", "0", "-1", "101", "2147483648")));

    [Fact]
    public async Task Random_search_parameters_never_get_a_5xx()
    {
        using var client = await factory.CreateClientForAsync("prop-searcher");
        var id = await CreateAssetAsync(client, title: "Property Search Asset");
        await ReadJsonAsync(await PublishViaSignedUrlAsync(client, id, "1.0.0", TemplateZip()));
        var names = new[] { "q", "kind", "tag", "author", "sort", "pageSize", "pageToken" };

        await Parameter.Array[names.Length].SampleAsync(async values =>
        {
            var query = string.Join('&', names.Zip(values).Where(p => p.Second is not null).Select(p => p.First + "=" + Uri.EscapeDataString(p.Second!)));
            using var response = await client.GetAsync("/v1/marketplace/search?" + query, Ct);
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True((int)response.StatusCode < 500, $"search?{query} answered {(int)response.StatusCode}: {body}");
            if (!response.IsSuccessStatusCode)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }, iter: 150, threads: 1);
    }

    private static readonly Gen<string> VersionLike = Gen.OneOf<string>(
        Gen.Select(Gen.Int[0, 20], Gen.Int[0, 20], Gen.Int[0, 20], Gen.OneOf("", "-beta.1", "-rc.1+build.5", "+meta", "-", "-01", ".4"))
            .Select((major, minor, patch, suffix) => $"{major}.{minor}.{patch}{suffix}"),
        Gen.OneOf("1", "1.0", "01.0.0", "v1.0.0", "1.0.0.0", "99999999999999999999.0.0", "1.0.0-", "1.0.0-béta", " 1.0.0", "1.0.0\n", ""),
        HostileInput.NastyString);

    [Fact]
    public async Task A_random_version_is_refused_with_nothing_changed_or_published_and_read_back()
    {
        using var author = await factory.CreateClientForAsync("prop-publisher");
        var id = await CreateAssetAsync(author, title: "Property Version Asset");
        var zip = TemplateZip();

        await VersionLike.SampleAsync(async version =>
        {
            var before = await VersionsAsync(author, id);
            using var declared = await author.PostAsJsonAsync($"/v1/marketplace/assets/{id}/versions", new { version, changelog = "prop", sha256 = Sha256(zip), size = zip.Length }, Ct);
            var body = await declared.Content.ReadAsStringAsync(Ct);
            Assert.True((int)declared.StatusCode < 500, $"version '{version}' answered {(int)declared.StatusCode}: {body}");
            if (declared.StatusCode != HttpStatusCode.Created)
            {
                Assert.Equal(before, await VersionsAsync(author, id));
                return;
            }

            // Accepted: the declared version reads back under the name it was given.
            var declaredVersion = JsonDocument.Parse(body).RootElement.GetProperty("version").GetProperty("version").GetString()!;
            using var read = await author.GetAsync($"/v1/marketplace/assets/{id}/versions/{Uri.EscapeDataString(declaredVersion)}", Ct);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.True(Semver.SemVersion.TryParse(version, Semver.SemVersionStyles.Strict, out _) || Semver.SemVersion.TryParse(version.Trim(), Semver.SemVersionStyles.Any, out _), $"'{version}' was accepted but is no semantic version");
        }, iter: 60, threads: 1);
    }

    private static async Task<string> VersionsAsync(HttpClient client, string id)
    {
        using var response = await client.GetAsync($"/v1/marketplace/assets/{id}", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        return JsonDocument.Parse(body).RootElement.TryGetProperty("versions", out var versions) ? versions.GetRawText() : body;
    }
}
