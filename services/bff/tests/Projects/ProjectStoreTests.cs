using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Tests.Firestore;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Projects;

/// <summary>
/// The projects API against each document store (SQLite and Google's Firestore emulator; files in
/// the local folder): one suite, run on both by the classes at the end of the file.
/// </summary>
public abstract class ProjectStoreTests<TFactory>(TFactory factory)
    where TFactory : ServiceFactory<Program>
{
    private IDocumentStore Documents => factory.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task Create_stores_the_project_document_in_the_store()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid);

        var project = await client.CreateProjectAsync("  Weather  ", "com.example.weather");

        var id = project.GetProperty("id").GetString()!;
        Assert.Equal("Weather", project.GetProperty("name").GetString());
        var raw = Documents;
        var document = await raw.GetAsync($"projects/{id}", Ct);
        Assert.NotNull(document);
        Assert.Equal(uid, document.GetString("ownerUid"));
        Assert.Equal("com.example.weather", document.GetString("applicationId"));
        Assert.NotNull(document.GetTimestamp("lastActivityAt"));
        Assert.Contains("settings.gradle.kts", (await client.TreeAsync(id)).Keys);
        var fetched = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal(project.GetProperty("etag").GetString(), fetched.GetProperty("etag").GetString());
    }

    [Fact]
    public async Task A_replayed_idempotency_key_returns_the_same_project()
    {
        using var client = await factory.CreateClientForAsync(NewUid());
        var key = Guid.NewGuid().ToString();

        using var first = await client.PostCreateAsync("Once", "com.example.once", key);
        using var second = await client.PostCreateAsync("Once", "com.example.once", key);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        var a = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var b = await second.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(a.GetProperty("id").GetString(), b.GetProperty("id").GetString());
        Assert.False(first.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal([a.GetProperty("id").GetString()!], await client.ListAllProjectIdsAsync());

        using var reused = await client.PostCreateAsync("Other", "com.example.other", key);
        await ProblemAssert.IsProblemAsync(reused, HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Concurrent_replays_of_one_key_create_one_project()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid);
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.PostCreateAsync("Race", "com.example.race", key)));

        var ids = new List<string>();
        foreach (var response in responses)
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
                ids.Add(JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!);
            }
        }

        var id = Assert.Single(ids.Distinct());
        Assert.Equal([id], await client.ListAllProjectIdsAsync());
        var documents = await Documents.QueryAsync(new DocumentQuery("projects").Where("ownerUid", FilterOperator.Equal, uid), Ct);
        Assert.Equal([id], documents.Documents.Select(d => d.Id));
        // Only the winner's source files exist: the losers seeded nothing, or cleaned up.
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        var prefixes = (await blobs.ListAsync(BucketNames.ProjectSourceFiles, uid + "/", cancellationToken: Ct)).Items
            .Select(b => b.Name.Split('/')[1]).Distinct().ToList();
        Assert.Equal([id], prefixes);
    }

    [Fact]
    public async Task Twenty_five_projects_come_in_three_pages_of_ten_newest_activity_first()
    {
        using var client = await factory.CreateClientForAsync(NewUid());
        var created = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            created.Add(await client.CreateProjectIdAsync($"Project {i}", $"com.example.p{i}"));
        }

        // Activity, not creation, orders the list: touching the oldest moves it to the front.
        using (var touch = await client.PutFileAsync(created[0], "README.md", "# touched"))
        {
            Assert.Equal(HttpStatusCode.Created, touch.StatusCode);
        }

        var expected = created.Skip(1).Reverse().Prepend(created[0]).ToList();
        var pages = new List<List<string>>();
        var activity = new List<DateTimeOffset>();
        string? token = null;
        do
        {
            var url = "/v1/projects?pageSize=10" + (token is null ? string.Empty : "&pageToken=" + Uri.EscapeDataString(token));
            var page = await client.GetFromJsonAsync<JsonElement>(url, Ct);
            var items = page.GetProperty("projects").EnumerateArray().ToList();
            pages.Add(items.Select(p => p.GetProperty("id").GetString()!).ToList());
            activity.AddRange(items.Select(p => p.GetProperty("lastActivityAt").GetDateTimeOffset()));
            token = page.GetProperty("nextPageToken").GetString();
        }
        while (token is not null);

        Assert.Equal([10, 10, 5], pages.Select(p => p.Count));
        var all = pages.SelectMany(p => p).ToList();
        Assert.Equal(25, all.Distinct().Count());
        Assert.Equal(expected, all);
        Assert.True(activity.Zip(activity.Skip(1)).All(pair => pair.First >= pair.Second), "lastActivityAt must not increase down the list");
    }

    [Fact]
    public async Task Rename_with_a_stale_if_match_is_412_and_keeps_the_newer_name()
    {
        using var client = await factory.CreateClientForAsync(NewUid());
        var created = await client.CreateProjectAsync("Before");
        var id = created.GetProperty("id").GetString()!;
        var etag = created.GetProperty("etag").GetString()!;

        using var rename = new HttpRequestMessage(HttpMethod.Patch, $"/v1/projects/{id}") { Content = Json("""{"name":"After"}""") };
        rename.Headers.TryAddWithoutValidation("If-Match", etag);
        using var renamed = await client.SendAsync(rename, Ct);
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal("After", (await renamed.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("name").GetString());
        Assert.NotEqual(etag, renamed.Headers.ETag?.ToString());

        using var stale = new HttpRequestMessage(HttpMethod.Patch, $"/v1/projects/{id}") { Content = Json("""{"name":"Lost update"}""") };
        stale.Headers.TryAddWithoutValidation("If-Match", etag);
        using var rejected = await client.SendAsync(stale, Ct);
        await ProblemAssert.IsProblemAsync(rejected, HttpStatusCode.PreconditionFailed, "precondition_failed");

        var current = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("After", current.GetProperty("name").GetString());
        Assert.Equal("After", (await Documents.GetAsync($"projects/{id}", Ct))!.GetString("name"));
    }

    [Fact]
    public async Task Delete_removes_the_document_and_a_second_delete_is_404()
    {
        using var client = await factory.CreateClientForAsync(NewUid());
        var id = await client.CreateProjectIdAsync();

        using var response = await client.DeleteAsync($"/v1/projects/{id}", Ct);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        var raw = Documents;
        Assert.Null(await raw.GetAsync($"projects/{id}", Ct));
        Assert.DoesNotContain(id, await client.ListAllProjectIdsAsync());
        using var gone = await client.GetAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(gone, HttpStatusCode.NotFound);
        using var again = await client.DeleteAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Another_users_project_is_404_unlisted_and_unchanged()
    {
        using var owner = await factory.CreateClientForAsync(NewUid());
        using var intruder = await factory.CreateClientForAsync(NewUid());
        var created = await owner.CreateProjectAsync("Mine", "com.example.mine");
        var id = created.GetProperty("id").GetString()!;

        using var get = await intruder.GetAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.NotFound);
        using var rename = await intruder.PatchAsync($"/v1/projects/{id}", Json("""{"name":"Stolen"}"""), Ct);
        await ProblemAssert.IsProblemAsync(rename, HttpStatusCode.NotFound);
        using var delete = await intruder.DeleteAsync($"/v1/projects/{id}", Ct);
        await ProblemAssert.IsProblemAsync(delete, HttpStatusCode.NotFound);

        Assert.DoesNotContain(id, await intruder.ListAllProjectIdsAsync());
        var project = await owner.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("Mine", project.GetProperty("name").GetString());
        Assert.Equal(created.GetProperty("etag").GetString(), project.GetProperty("etag").GetString());
    }

    private static string NewUid() => "user-" + Guid.NewGuid().ToString("N")[..12];
}

public sealed class SqliteProjectStoreTests(ServiceFactory<Program> factory)
    : ProjectStoreTests<ServiceFactory<Program>>(factory), IClassFixture<ServiceFactory<Program>>;

public sealed class FirestoreProjectStoreTests(BffFirestoreFactory factory)
    : ProjectStoreTests<BffFirestoreFactory>(factory), IClassFixture<BffFirestoreFactory>;
