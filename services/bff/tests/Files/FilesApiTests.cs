using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Files;

public sealed class FilesApiTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    [Fact]
    public async Task A_file_round_trips_with_its_etag_and_304_on_a_matching_if_none_match()
    {
        using var client = await factory.CreateClientForAsync("files-user");
        var id = await client.CreateProjectIdAsync();

        using var put = await client.PutFileAsync(id, "app/src/main/res/values/colors.xml", "<resources/>");
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var etag = put.Headers.ETag!;
        var entry = await put.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("app/src/main/res/values/colors.xml", entry.GetProperty("path").GetString());
        Assert.Equal(12, entry.GetProperty("size").GetInt64());
        Assert.Equal(etag.ToString(), entry.GetProperty("etag").GetString());

        using var get = await client.GetAsync($"/v1/projects/{id}/files/app/src/main/res/values/colors.xml", Ct);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal("<resources/>", await get.Content.ReadAsStringAsync(Ct));
        Assert.Equal(etag, get.Headers.ETag);
        Assert.Equal("application/xml", get.Content.Headers.ContentType?.MediaType);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{id}/files/app/src/main/res/values/colors.xml");
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(conditional, Ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        var tree = await client.TreeAsync(id);
        Assert.Equal(etag.ToString(), tree["app/src/main/res/values/colors.xml"]);
    }

    [Fact]
    public async Task The_tree_lists_sizes_and_etags_and_answers_304_until_a_file_changes()
    {
        using var client = await factory.CreateClientForAsync("tree-user");
        var id = await client.CreateProjectIdAsync();

        using var first = await client.GetAsync($"/v1/projects/{id}/tree", Ct);
        var tree = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var files = tree.GetProperty("files").EnumerateArray().ToList();
        Assert.Contains(files, f => f.GetProperty("path").GetString() == "app/build.gradle.kts" && f.GetProperty("size").GetInt64() > 0);
        Assert.Equal(files.Select(f => f.GetProperty("path").GetString()).Order(StringComparer.Ordinal), files.Select(f => f.GetProperty("path").GetString()));
        var etag = first.Headers.ETag!;
        Assert.Equal(etag.ToString(), tree.GetProperty("etag").GetString());

        using (var unchanged = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{id}/tree"))
        {
            unchanged.Headers.IfNoneMatch.Add(etag);
            using var response = await client.SendAsync(unchanged, Ct);
            Assert.Equal(HttpStatusCode.NotModified, response.StatusCode);
        }

        using (await client.PutFileAsync(id, "README.md", "# changed"))
        {
        }

        using var changed = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{id}/tree");
        changed.Headers.IfNoneMatch.Add(etag);
        using var after = await client.SendAsync(changed, Ct);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.NotEqual(etag, after.Headers.ETag);
    }

    [Fact]
    public async Task A_stale_if_match_gets_412_and_changes_nothing()
    {
        using var client = await factory.CreateClientForAsync("stale-user");
        var id = await client.CreateProjectIdAsync();
        using var v1 = await client.PutFileAsync(id, "notes.txt", "v1");
        var etag1 = v1.Headers.ETag!.ToString();
        using var v2 = await client.PutFileAsync(id, "notes.txt", "v2", ifMatch: etag1);
        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);

        using var stale = await client.PutFileAsync(id, "notes.txt", "lost update", ifMatch: etag1);

        await ProblemAssert.IsProblemAsync(stale, HttpStatusCode.PreconditionFailed, "precondition_failed");
        Assert.Equal("v2", await client.GetFileTextAsync(id, "notes.txt"));
    }

    [Fact]
    public async Task Concurrent_writes_with_the_same_if_match_exactly_one_wins()
    {
        using var client = await factory.CreateClientForAsync("race-user");
        var id = await client.CreateProjectIdAsync();
        using var created = await client.PutFileAsync(id, "race.txt", "base");
        var etag = created.Headers.ETag!.ToString();
        var before = await client.TreeAsync(id);

        for (var round = 0; round < 3; round++)
        {
            var writers = Enumerable.Range(0, 6).Select(i => client.PutFileAsync(id, "race.txt", $"writer {round}-{i}", ifMatch: etag)).ToList();
            var responses = await Task.WhenAll(writers);

            var winners = responses.Where(r => r.StatusCode == HttpStatusCode.OK).ToList();
            Assert.Single(winners);
            Assert.All(responses.Except(winners), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
            var winnerBody = await winners[0].Content.ReadFromJsonAsync<JsonElement>(Ct);
            var content = await client.GetFileTextAsync(id, "race.txt");
            Assert.StartsWith($"writer {round}-", content, StringComparison.Ordinal);
            etag = winners[0].Headers.ETag!.ToString();
            Assert.Equal(etag, winnerBody.GetProperty("etag").GetString());
            foreach (var response in responses)
            {
                response.Dispose();
            }
        }

        Assert.Equal(before.Keys, (await client.TreeAsync(id)).Keys);
    }

    [Fact]
    public async Task If_none_match_star_only_creates()
    {
        using var client = await factory.CreateClientForAsync("create-only-user");
        var id = await client.CreateProjectIdAsync();

        using var first = await client.PutFileAsync(id, "once.txt", "first", createOnly: true);
        using var second = await client.PutFileAsync(id, "once.txt", "second", createOnly: true);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.IsProblemAsync(second, HttpStatusCode.PreconditionFailed);
        Assert.Equal("first", await client.GetFileTextAsync(id, "once.txt"));
    }

    [Fact]
    public async Task If_match_on_a_missing_file_is_412()
    {
        using var client = await factory.CreateClientForAsync("missing-if-match-user");
        var id = await client.CreateProjectIdAsync();

        using var star = await client.PutFileAsync(id, "missing.txt", "x", ifMatch: "*");
        using var tag = await client.PutFileAsync(id, "missing2.txt", "x", ifMatch: "\"12345\"");
        using var garbage = await client.PutFileAsync(id, "missing3.txt", "x", ifMatch: "not-a-tag");

        await ProblemAssert.IsProblemAsync(star, HttpStatusCode.PreconditionFailed);
        await ProblemAssert.IsProblemAsync(tag, HttpStatusCode.PreconditionFailed);
        await ProblemAssert.IsProblemAsync(garbage, HttpStatusCode.PreconditionFailed);
        Assert.DoesNotContain("missing.txt", (await client.TreeAsync(id)).Keys);
    }

    [Fact]
    public async Task Delete_honours_if_match_and_bumps_activity()
    {
        using var client = await factory.CreateClientForAsync("delete-file-user");
        var project = await client.CreateProjectAsync();
        var id = project.GetProperty("id").GetString()!;
        using var put = await client.PutFileAsync(id, "temp.txt", "temp");
        var etag = put.Headers.ETag!.ToString();
        using (await client.PutFileAsync(id, "temp.txt", "changed", ifMatch: etag))
        {
        }

        using var stale = new HttpRequestMessage(HttpMethod.Delete, $"/v1/projects/{id}/files/temp.txt");
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        using var rejected = await client.SendAsync(stale, Ct);
        await ProblemAssert.IsProblemAsync(rejected, HttpStatusCode.PreconditionFailed);
        Assert.Contains("temp.txt", (await client.TreeAsync(id)).Keys);

        var activityBefore = (await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct)).GetProperty("lastActivityAt").GetDateTimeOffset();
        using var deleted = await client.DeleteAsync($"/v1/projects/{id}/files/temp.txt", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.DoesNotContain("temp.txt", (await client.TreeAsync(id)).Keys);
        var activityAfter = (await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct)).GetProperty("lastActivityAt").GetDateTimeOffset();
        Assert.True(activityAfter > activityBefore);

        using var again = await client.DeleteAsync($"/v1/projects/{id}/files/temp.txt", Ct);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Every_write_bumps_the_projects_activity()
    {
        using var client = await factory.CreateClientForAsync("activity-user");
        var project = await client.CreateProjectAsync();
        var id = project.GetProperty("id").GetString()!;
        var created = project.GetProperty("lastActivityAt").GetDateTimeOffset();

        using (await client.PutFileAsync(id, "a.txt", "a"))
        {
        }

        var afterPut = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.True(afterPut.GetProperty("lastActivityAt").GetDateTimeOffset() > created);
        Assert.True(afterPut.GetProperty("updatedAt").GetDateTimeOffset() > project.GetProperty("updatedAt").GetDateTimeOffset());

        using (await client.PostAsync($"/v1/projects/{id}/files:move", Json("""{"from":"a.txt","to":"b.txt"}"""), Ct))
        {
        }

        var afterMove = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.True(afterMove.GetProperty("lastActivityAt").GetDateTimeOffset() > afterPut.GetProperty("lastActivityAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Move_renames_a_file_with_if_match_on_the_source_and_refuses_to_clobber()
    {
        using var client = await factory.CreateClientForAsync("move-user");
        var id = await client.CreateProjectIdAsync();
        using var source = await client.PutFileAsync(id, "src/Old.kt", "class Old");
        var etag = source.Headers.ETag!.ToString();
        using (await client.PutFileAsync(id, "src/Taken.kt", "class Taken"))
        {
        }

        using (var clobber = await client.PostAsync($"/v1/projects/{id}/files:move", Json("""{"from":"src/Old.kt","to":"src/Taken.kt"}"""), Ct))
        {
            await ProblemAssert.IsProblemAsync(clobber, HttpStatusCode.Conflict);
        }

        using (var stale = new HttpRequestMessage(HttpMethod.Post, $"/v1/projects/{id}/files:move") { Content = Json("""{"from":"src/Old.kt","to":"src/New.kt"}""") })
        {
            stale.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
            using var response = await client.SendAsync(stale, Ct);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed);
        }

        using var move = new HttpRequestMessage(HttpMethod.Post, $"/v1/projects/{id}/files:move") { Content = Json("""{"from":"src/Old.kt","to":"src/new/New.kt"}""") };
        move.Headers.TryAddWithoutValidation("If-Match", etag);
        using var moved = await client.SendAsync(move, Ct);

        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        var tree = await client.TreeAsync(id);
        Assert.DoesNotContain("src/Old.kt", tree.Keys);
        Assert.Equal("class Old", await client.GetFileTextAsync(id, "src/new/New.kt"));
        Assert.Equal("class Taken", await client.GetFileTextAsync(id, "src/Taken.kt"));

        using var overwrite = await client.PostAsync($"/v1/projects/{id}/files:move", Json("""{"from":"src/new/New.kt","to":"src/Taken.kt","overwrite":true}"""), Ct);
        Assert.Equal(HttpStatusCode.OK, overwrite.StatusCode);
        Assert.Equal("class Old", await client.GetFileTextAsync(id, "src/Taken.kt"));
    }

    [Fact]
    public async Task A_file_cannot_sit_where_a_folder_is_or_under_a_file()
    {
        using var client = await factory.CreateClientForAsync("layout-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var overFolder = await client.PutFileAsync(id, "app", "not a folder");
        using var underFile = await client.PutFileAsync(id, "settings.gradle.kts/child", "nope");

        await ProblemAssert.IsProblemAsync(overFolder, HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(underFile, HttpStatusCode.Conflict);
        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Fact]
    public async Task A_file_over_the_size_limit_is_a_413_problem_with_or_without_content_length()
    {
        using var client = await factory.CreateClientForAsync("size-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);
        var tooBig = new byte[5 * 1024 * 1024 + 1];

        using var declared = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{id}/files/big.bin") { Content = new ByteArrayContent(tooBig) };
        using var declaredResponse = await client.SendAsync(declared, Ct);
        await ProblemAssert.IsProblemAsync(declaredResponse, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        using var chunked = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{id}/files/big.bin") { Content = new StreamContent(new MemoryStream(tooBig)) };
        chunked.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await client.SendAsync(chunked, Ct);
        await ProblemAssert.IsProblemAsync(chunkedResponse, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");

        Assert.Equal(before, await client.TreeAsync(id));

        using var justFits = new HttpRequestMessage(HttpMethod.Put, $"/v1/projects/{id}/files/fits.bin") { Content = new ByteArrayContent(new byte[5 * 1024 * 1024]) };
        using var fits = await client.SendAsync(justFits, Ct);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
    }

    [Theory]
    [InlineData("%2e%2e/%2e%2e/%2e%2e/evil.txt")]
    [InlineData("%2E%2E/escape.txt")]
    [InlineData("..%2F..%2Fevil.txt")]
    [InlineData("a/%2e%2e/%2e%2e/%2e%2e/evil.txt")]
    [InlineData("..%5C..%5Cevil.txt")]
    [InlineData("a%5Cb.txt")]
    [InlineData("a//b.txt")]
    [InlineData("dir/")]
    [InlineData("%01evil.txt")]
    [InlineData("new%0Aline.txt")]
    [InlineData(".git/hooks/post-checkout")]
    [InlineData("C:/evil.txt")]
    [InlineData("%2e")]
    public async Task A_hostile_path_is_a_4xx_problem_and_changes_nothing(string path)
    {
        using var client = await factory.CreateClientForAsync("hostile-path-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var put = await client.SendAsync(new HttpRequestMessage(HttpMethod.Put, new Uri($"/v1/projects/{id}/files/{path}", UriKind.Relative))
        {
            Content = new StringContent("pwned", Encoding.UTF8, "text/plain"),
        }, Ct);
        await ProblemAssert.IsClientProblemAsync(put);

        using var get = await client.GetAsync(new Uri($"/v1/projects/{id}/files/{path}", UriKind.Relative), Ct);
        await ProblemAssert.IsClientProblemAsync(get);

        using var delete = await client.DeleteAsync(new Uri($"/v1/projects/{id}/files/{path}", UriKind.Relative), Ct);
        await ProblemAssert.IsClientProblemAsync(delete);

        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Fact]
    public async Task An_overlong_path_is_a_400_problem()
    {
        using var client = await factory.CreateClientForAsync("long-path-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var put = await client.PutFileAsync(id, string.Join('/', Enumerable.Repeat(new string('a', 200), 3)), "x");

        await ProblemAssert.IsProblemAsync(put, HttpStatusCode.BadRequest, "validation_failed");
        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Theory]
    [InlineData("""{"from":"settings.gradle.kts","to":"../../other-project/x"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"/etc/passwd"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"C:/x"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"a\\b"}""")]
    [InlineData("""{"from":"../settings.gradle.kts","to":"x"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":".git/config"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"x\u0000"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":42}""")]
    [InlineData("""{"from":"settings.gradle.kts"}""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"x","sneaky":true}""")]
    [InlineData("""{"from":"settings.gradle.kts",""")]
    [InlineData("""{"from":"settings.gradle.kts","to":"settings.gradle.kts"}""")]
    public async Task A_hostile_move_is_a_4xx_problem_and_changes_nothing(string body)
    {
        using var client = await factory.CreateClientForAsync("hostile-move-user");
        var id = await client.CreateProjectIdAsync();
        var before = await client.TreeAsync(id);

        using var response = await client.PostAsync($"/v1/projects/{id}/files:move", Json(body), Ct);

        await ProblemAssert.IsClientProblemAsync(response);
        Assert.Equal(before, await client.TreeAsync(id));
    }

    [Fact]
    public async Task A_missing_file_is_404()
    {
        using var client = await factory.CreateClientForAsync("missing-file-user");
        var id = await client.CreateProjectIdAsync();

        using var response = await client.GetAsync($"/v1/projects/{id}/files/nope.txt", Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
    }
}
