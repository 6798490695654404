using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Security;

/// <summary>
/// Property tests of the BFF's user input: Android application ids and file paths. Never a 5xx; a
/// refused request changes nothing; an accepted one reads back as written.
/// </summary>
public sealed class BffPropertyTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private static readonly Gen<string> Segment = Gen.OneOf<string>(
        Gen.OneOf("com", "example", "app", "class", "int", "_x", "1abc", "a1", "A", "", "é", "my-app", "x y", "Z_9"),
        Gen.Char["abcxyz_019-.é"].Array[0, 8].Select(c => new string(c)));

    private static readonly Gen<string> ApplicationIdLike = Gen.OneOf<string>(
        Segment.Array[1, 5].Select(segments => string.Join('.', segments)),
        HostileInput.NastyString);

    [Fact]
    public async Task A_random_application_id_is_refused_with_nothing_created_or_accepted_and_read_back()
    {
        using var client = await factory.CreateClientForAsync("prop-app-ids");

        await ApplicationIdLike.SampleAsync(async applicationId =>
        {
            var before = await ProjectIdsAsync(client);
            using var created = await client.PostAsJsonAsync("/v1/projects", new { name = "Prop", applicationId }, Ct);
            var body = await created.Content.ReadAsStringAsync(Ct);
            Assert.True((int)created.StatusCode < 500, $"'{applicationId}' answered {(int)created.StatusCode}: {body}");
            if (created.StatusCode != HttpStatusCode.Created)
            {
                Assert.Equal(before, await ProjectIdsAsync(client));
                return;
            }

            var id = JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
            var read = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
            Assert.Equal(applicationId, read.GetProperty("applicationId").GetString());
            using var deleted = await client.DeleteAsync($"/v1/projects/{id}", Ct);
        }, iter: 80, threads: 1);
    }

    private static readonly Gen<string> PathLike = Gen.Select(
            Gen.OneOf<string>(
                    Gen.OneOf("..", ".", "", ".git", "src", "Main.kt", "C:", "%2F", "%2e%2e", "%5C", "~", " ", "é", "a b", "res", "x?y", "x#y"),
                    Gen.Char["abcAZ09._-~ %é\\"].Array[0, 10].Select(c => new string(c)))
                .Array[1, 5],
            Gen.OneOf("/", "/", "/", "//", "\\"))
        .Select((segments, separator) => string.Join(separator, segments));

    [Fact]
    public async Task A_random_file_path_is_refused_with_nothing_changed_or_written_and_read_back()
    {
        using var client = await factory.CreateClientForAsync("prop-paths");
        using var created = await client.PostAsJsonAsync("/v1/projects", new { name = "Paths", applicationId = "com.prop.paths" }, Ct);
        var project = JsonDocument.Parse(await created.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("id").GetString()!;
        var counter = 0;

        await PathLike.SampleAsync(async path =>
        {
            var content = "content " + counter++;
            var url = $"/v1/projects/{project}/files/" + string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
            var before = await TreeAsync(client, project);
            using var put = await client.PutAsync(url, new StringContent(content, Encoding.UTF8, "text/plain"), Ct);
            var body = await put.Content.ReadAsStringAsync(Ct);
            Assert.True((int)put.StatusCode < 500, $"PUT '{path}' answered {(int)put.StatusCode}: {body}");
            if (!put.IsSuccessStatusCode)
            {
                Assert.Equal(before, await TreeAsync(client, project));
                return;
            }

            var stored = JsonDocument.Parse(body).RootElement.GetProperty("path").GetString()!;
            using var read = await client.GetAsync($"/v1/projects/{project}/files/" + string.Join('/', stored.Split('/').Select(Uri.EscapeDataString)), Ct);
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(content, await read.Content.ReadAsStringAsync(Ct));
        }, iter: 120, threads: 1);
    }

    private static async Task<string> ProjectIdsAsync(HttpClient client)
    {
        var page = await client.GetFromJsonAsync<JsonElement>("/v1/projects?pageSize=100", Ct);
        return string.Join(',', page.GetProperty("projects").EnumerateArray().Select(p => p.GetProperty("id").GetString()).Order(StringComparer.Ordinal));
    }

    private static async Task<string> TreeAsync(HttpClient client, string project)
    {
        using var response = await client.GetAsync($"/v1/projects/{project}/tree", Ct);
        return await response.Content.ReadAsStringAsync(Ct);
    }
}
