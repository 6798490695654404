using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Projects;

public sealed class ProjectsApiTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    [Fact]
    public async Task Create_stores_the_document_and_seeds_the_source_folder()
    {
        using var client = await factory.CreateClientForAsync("create-user");

        using var response = await client.PostCreateAsync("  Weather  ", "com.example.weather");

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var project = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var id = project.GetProperty("id").GetString()!;
        Assert.Equal($"/v1/projects/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Weather", project.GetProperty("name").GetString());
        Assert.Equal("com.example.weather", project.GetProperty("applicationId").GetString());
        Assert.Equal("empty-activity", project.GetProperty("template").GetString());
        Assert.Equal(JsonValueKind.Null, project.GetProperty("githubRepo").ValueKind);
        Assert.Equal(JsonValueKind.Null, project.GetProperty("lastBuild").ValueKind);
        Assert.Equal(response.Headers.ETag?.ToString(), project.GetProperty("etag").GetString());

        var document = await factory.Services.GetRequiredService<IDocumentStore>().GetAsync($"projects/{id}", Ct);
        Assert.NotNull(document);
        Assert.Equal("create-user", document.GetString("ownerUid"));
        Assert.Equal("Weather", document.GetString("name"));
        Assert.Equal("com.example.weather", document.GetString("applicationId"));
        Assert.Equal("empty-activity", document.GetString("template"));
        Assert.NotNull(document.GetTimestamp("createdAt"));
        Assert.NotNull(document.GetTimestamp("updatedAt"));
        Assert.NotNull(document.GetTimestamp("lastActivityAt"));
        Assert.True(document.Has("githubRepo") && document["githubRepo"] is null);
        Assert.True(document.Has("lastBuild") && document["lastBuild"] is null);

        var blobs = await factory.Services.GetRequiredService<IBlobStore>().ListAsync(BucketNames.ProjectSourceFiles, $"create-user/{id}/", cancellationToken: Ct);
        var names = blobs.Items.Select(b => b.Name[$"create-user/{id}/".Length..]).ToList();
        Assert.Contains("settings.gradle.kts", names);
        Assert.Contains("app/build.gradle.kts", names);
        Assert.Contains("app/src/main/java/com/example/weather/MainActivity.kt", names);
    }

    [Fact]
    public async Task Get_returns_the_project_with_an_etag_and_304_for_a_matching_if_none_match()
    {
        using var client = await factory.CreateClientForAsync("get-user");
        var id = await client.CreateProjectIdAsync();

        using var first = await client.GetAsync($"/v1/projects/{id}", Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.StartsWith("\"", etag.Tag, StringComparison.Ordinal);

        using var again = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{id}");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);

        using var other = new HttpRequestMessage(HttpMethod.Get, $"/v1/projects/{id}");
        other.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"1\""));
        using var modified = await client.SendAsync(other, Ct);
        Assert.Equal(HttpStatusCode.OK, modified.StatusCode);
    }

    [Fact]
    public async Task Rename_cannot_change_the_application_id()
    {
        using var client = await factory.CreateClientForAsync("rename-appid-user");
        var id = await client.CreateProjectIdAsync("Keep", "com.example.keep");

        using var response = await client.PatchAsync($"/v1/projects/{id}", Json("""{"name":"New","applicationId":"com.evil.app"}"""), Ct);

        await ProblemAssert.IsClientProblemAsync(response);
        var current = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("Keep", current.GetProperty("name").GetString());
        Assert.Equal("com.example.keep", current.GetProperty("applicationId").GetString());
    }

    [Theory]
    [InlineData("com")]
    [InlineData("com.")]
    [InlineData(".com.example")]
    [InlineData("com..example")]
    [InlineData("com.1example")]
    [InlineData("com.example.class")]
    [InlineData("com.exa-mple")]
    [InlineData("com.exämple")]
    [InlineData("com.example.")]
    [InlineData("_com.example")]
    public async Task An_application_id_breaking_androids_rules_is_a_400_naming_the_field(string applicationId)
    {
        using var client = await factory.CreateClientForAsync("appid-user-" + Math.Abs(applicationId.GetHashCode(StringComparison.Ordinal)));

        using var response = await client.PostCreateAsync("App", applicationId);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("applicationId", out _));
        Assert.Empty(await client.ListAllProjectIdsAsync());
    }

    [Fact]
    public async Task An_application_id_of_256_characters_is_refused_and_255_accepted()
    {
        using var client = await factory.CreateClientForAsync("appid-length-user");
        var ok = "com." + new string('a', 251);
        var tooLong = ok + "a";

        using var refused = await client.PostCreateAsync("App", tooLong);
        await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest, "validation_failed");

        using var accepted = await client.PostCreateAsync("App", ok);
        Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("line\nbreak")]
    [InlineData("bidi\u202Eoverride")]
    public async Task A_bad_name_or_template_is_a_validation_problem(string name)
    {
        using var client = await factory.CreateClientForAsync("name-user");

        using var badName = await client.PostCreateAsync(name, "com.example.app");
        var problem = await ProblemAssert.IsProblemAsync(badName, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));

        using var badTemplate = await client.PostCreateAsync("Fine", "com.example.app", template: "no-such-template");
        problem = await ProblemAssert.IsProblemAsync(badTemplate, HttpStatusCode.BadRequest, "validation_failed");
        Assert.True(problem.GetProperty("errors").TryGetProperty("template", out _));
        Assert.Empty(await client.ListAllProjectIdsAsync());
    }

    public static TheoryData<string, string> HostileBodies => new()
    {
        { "malformed", """{"name": "App", "applicationId": """ },
        { "wrong type", """{"name": 42, "applicationId": "com.example.app"}""" },
        { "wrong type array", """{"name": "App", "applicationId": ["com", "example"]}""" },
        { "missing field", """{"name": "App"}""" },
        { "unknown field", """{"name": "App", "applicationId": "com.example.app", "ownerUid": "someone-else"}""" },
        { "not an object", """["App", "com.example.app"]""" },
        { "empty", "" },
    };

    [Theory]
    [MemberData(nameof(HostileBodies))]
    public async Task A_hostile_create_body_is_a_4xx_problem_and_creates_nothing(string label, string json)
    {
        using var client = await factory.CreateClientForAsync("hostile-create-" + label.Replace(' ', '-'));

        using var response = await client.PostAsync("/v1/projects", Json(json), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Empty(await client.ListAllProjectIdsAsync());
    }

    public static TheoryData<string> HostileRenameBodies => new()
    {
        """{"name": """,
        """{"name": 42}""",
        """{"name": {"first": "x"}}""",
        """{"name": null}""",
        """{}""",
        """{"name": "ok", "ownerUid": "intruder"}""",
        """{"name": "ok", "state": "deleting"}""",
        """"just a string"""",
        """{"name": "tab\tseparated"}""",
    };

    [Theory]
    [MemberData(nameof(HostileRenameBodies))]
    public async Task A_hostile_rename_is_a_4xx_problem_and_changes_nothing(string json)
    {
        using var client = await factory.CreateClientForAsync("hostile-rename-user");
        var created = await client.CreateProjectAsync("Untouched");
        var id = created.GetProperty("id").GetString()!;
        var tree = await client.TreeAsync(id);

        using var response = await client.PatchAsync($"/v1/projects/{id}", Json(json), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        var current = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("Untouched", current.GetProperty("name").GetString());
        Assert.Equal(created.GetProperty("etag").GetString(), current.GetProperty("etag").GetString());
        Assert.Equal(tree, await client.TreeAsync(id));
    }

    [Fact]
    public async Task A_json_body_over_10_mb_is_a_4xx_problem_and_changes_nothing()
    {
        // The in-memory test server has no request size limit feature, so the rules refuse the
        // oversized name here; ProjectsOnKestrelTests shows Kestrel's 413 before anything is read.
        using var client = await factory.CreateClientForAsync("huge-json-user");
        var id = await client.CreateProjectIdAsync("Original");
        var huge = "{\"name\":\"" + new string('x', 10 * 1024 * 1024 + 10) + "\",\"applicationId\":\"com.example.big\"}";

        using var create = await client.PostAsync("/v1/projects", Json(huge), Ct);
        await ProblemAssert.IsClientProblemAsync(create);

        using var patch = await client.PatchAsync($"/v1/projects/{id}", Json(huge), Ct);
        await ProblemAssert.IsClientProblemAsync(patch);

        Assert.Equal([id], await client.ListAllProjectIdsAsync());
        var current = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("Original", current.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("eyJmb28iOiJiYXIifQ")]
    [InlineData("WyJhYmMiXQ")]
    public async Task A_bad_page_token_is_a_400_problem(string token)
    {
        using var client = await factory.CreateClientForAsync("bad-token-user");

        using var response = await client.GetAsync("/v1/projects?pageToken=" + Uri.EscapeDataString(token), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("ten")]
    public async Task A_bad_page_size_is_a_400_problem(string pageSize)
    {
        using var client = await factory.CreateClientForAsync("bad-size-user");

        using var response = await client.GetAsync("/v1/projects?pageSize=" + pageSize, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("101")]
    [InlineData("100000")]
    public async Task A_page_size_above_the_maximum_is_coerced_to_it(string pageSize)
    {
        using var client = await factory.CreateClientForAsync("big-page-user-" + pageSize);
        await client.CreateProjectIdAsync();

        using var response = await client.GetAsync("/v1/projects?pageSize=" + pageSize, Ct);

        // AIP-158: a page size above the maximum is served at the maximum, not refused.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var page = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(1, page.GetProperty("projects").GetArrayLength());
    }

    [Fact]
    public async Task Delete_removes_the_document_and_every_file()
    {
        using var client = await factory.CreateClientForAsync("delete-user");
        var id = await client.CreateProjectIdAsync();
        using (await client.PutFileAsync(id, "docs/notes.md", "notes"))
        {
        }

        using var response = await client.DeleteAsync($"/v1/projects/{id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(await factory.Services.GetRequiredService<IDocumentStore>().GetAsync($"projects/{id}", Ct));
        var left = await factory.Services.GetRequiredService<IBlobStore>().ListAsync(BucketNames.ProjectSourceFiles, $"delete-user/{id}/", cancellationToken: Ct);
        Assert.Empty(left.Items);
        using var gone = await client.GetAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(gone, HttpStatusCode.NotFound, "not_found");
        using var again = await client.DeleteAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound, "not_found");
    }

    [Fact]
    public async Task Delete_with_a_stale_if_match_is_412_and_keeps_the_project()
    {
        using var client = await factory.CreateClientForAsync("delete-stale-user");
        var created = await client.CreateProjectAsync();
        var id = created.GetProperty("id").GetString()!;
        using (await client.PatchAsync($"/v1/projects/{id}", Json("""{"name":"Renamed"}"""), Ct))
        {
        }

        using var request = new HttpRequestMessage(HttpMethod.Delete, $"/v1/projects/{id}");
        request.Headers.TryAddWithoutValidation("If-Match", created.GetProperty("etag").GetString());
        using var response = await client.SendAsync(request, Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.PreconditionFailed);
        Assert.Contains(id, await client.ListAllProjectIdsAsync());
        Assert.NotEmpty(await client.TreeAsync(id));
    }

    [Fact]
    public async Task Unknown_or_malformed_project_ids_are_404()
    {
        using var client = await factory.CreateClientForAsync("unknown-id-user");

        foreach (var id in new[] { "AAAAAAAAAAAAAAAAAAAA", "short", "has.dots.in.it.......", "%2e%2e" })
        {
            using var response = await client.GetAsync($"/v1/projects/{id}", Ct);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        }
    }

    [Fact]
    public async Task The_openapi_document_lists_the_project_routes()
    {
        using var client = factory.CreateClient();

        var openApi = await client.GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("/v1/projects/{id}/files/{path}", openApi, StringComparison.Ordinal);
        Assert.Contains("/v1/projects/{id}/archive", openApi, StringComparison.Ordinal);
        Assert.Contains("/v1/projects/{id}/files:move", openApi, StringComparison.Ordinal);
    }
}
