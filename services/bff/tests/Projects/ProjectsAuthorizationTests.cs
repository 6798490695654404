using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Bff.Tests.Projects.ProjectApi;

namespace PocketCode.Bff.Tests.Projects;

/// <summary>Every project route: no token → 401; someone else's project, file or archive → 404 (never 403) and nothing changes.</summary>
public sealed class ProjectsAuthorizationTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    private const string OwnedFile = "settings.gradle.kts";

    private static readonly (string Method, string Route)[] OwnedRoutes =
    [
        ("GET", "/v1/projects/{id}"),
        ("PATCH", "/v1/projects/{id}"),
        ("DELETE", "/v1/projects/{id}"),
        ("GET", "/v1/projects/{id}/tree"),
        ("GET", "/v1/projects/{id}/files/" + OwnedFile),
        ("PUT", "/v1/projects/{id}/files/" + OwnedFile),
        ("PUT", "/v1/projects/{id}/files/new-file.txt"),
        ("DELETE", "/v1/projects/{id}/files/" + OwnedFile),
        ("POST", "/v1/projects/{id}/files:move"),
        ("GET", "/v1/projects/{id}/archive"),
        ("POST", "/v1/projects/{id}/archive"),
    ];

    public static TheoryData<string, string> ProjectRoutes
    {
        get
        {
            var routes = new TheoryData<string, string>();
            foreach (var (method, route) in OwnedRoutes)
            {
                routes.Add(method, route);
            }

            return routes;
        }
    }

    public static TheoryData<string, string> AllRoutes
    {
        get
        {
            var routes = new TheoryData<string, string> { { "GET", "/v1/projects" }, { "POST", "/v1/projects" } };
            foreach (var (method, route) in OwnedRoutes)
            {
                routes.Add(method, route);
            }

            return routes;
        }
    }

    private static HttpRequestMessage Request(string method, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (url.EndsWith("/archive", StringComparison.Ordinal) && method == "POST")
        {
            request.Content = new ByteArrayContent(SmallZip());
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        }
        else if (url.EndsWith(":move", StringComparison.Ordinal))
        {
            request.Content = Json($$"""{"from":"{{OwnedFile}}","to":"moved.kts"}""");
        }
        else if (method == "PATCH")
        {
            request.Content = Json("""{"name":"Taken over"}""");
        }
        else if (method == "POST")
        {
            request.Content = Json("""{"name":"App","applicationId":"com.example.app"}""");
        }
        else if (method == "PUT")
        {
            request.Content = new StringContent("overwritten", Encoding.UTF8, "text/plain");
        }

        return request;
    }

    private static byte[] SmallZip()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(zip.CreateEntry("hello.txt").Open());
            writer.Write("hello");
        }

        return buffer.ToArray();
    }

    [Theory]
    [MemberData(nameof(AllRoutes))]
    public async Task Without_a_token_every_route_is_a_401_problem(string method, string route)
    {
        using var owner = await factory.CreateClientForAsync("anon-owner");
        var id = await owner.CreateProjectIdAsync();
        var before = await owner.TreeAsync(id);
        using var anonymous = factory.CreateClient();

        using var response = await anonymous.SendAsync(Request(method, route.Replace("{id}", id, StringComparison.Ordinal)), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await owner.TreeAsync(id));
    }

    [Theory]
    [MemberData(nameof(ProjectRoutes))]
    public async Task Another_users_project_is_a_404_problem_on_every_route_and_stays_unchanged(string method, string route)
    {
        using var owner = await factory.CreateClientForAsync("owner-" + method + route.Length);
        using var intruder = await factory.CreateClientForAsync("intruder");
        var created = await owner.CreateProjectAsync("Mine", "com.example.mine");
        var id = created.GetProperty("id").GetString()!;
        var before = await owner.TreeAsync(id);

        using var response = await intruder.SendAsync(Request(method, route.Replace("{id}", id, StringComparison.Ordinal)), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound, "not_found");
        Assert.Equal(before, await owner.TreeAsync(id));
        var project = await owner.GetFromJsonAsync<JsonElement>($"/v1/projects/{id}", Ct);
        Assert.Equal("Mine", project.GetProperty("name").GetString());
        Assert.Equal(created.GetProperty("etag").GetString(), project.GetProperty("etag").GetString());
    }

    [Fact]
    public async Task Another_users_projects_are_not_listed()
    {
        using var owner = await factory.CreateClientForAsync("list-owner");
        using var intruder = await factory.CreateClientForAsync("list-intruder");
        var id = await owner.CreateProjectIdAsync();

        Assert.DoesNotContain(id, await intruder.ListAllProjectIdsAsync());
        Assert.Contains(id, await owner.ListAllProjectIdsAsync());
    }
}
