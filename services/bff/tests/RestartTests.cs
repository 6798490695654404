using System.Net;
using System.Text;
using PocketCode.Bff.Tests.Projects;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests;

public sealed class RestartTests
{
    [Fact]
    public async Task A_restarted_service_on_the_embedded_stores_keeps_what_was_written()
    {
        string dataDirectory;
        await using (var first = new ServiceFactory<Program>())
        {
            first.OwnsDataDirectory = false;
            dataDirectory = first.DataDirectory;
            using var _ = first.CreateClient(); // starts the host
            await first.Services.GetRequiredService<IDocumentStore>().SetAsync("users/restart-user", new Dictionary<string, object?> { ["displayName"] = "Ada" }, Ct);
            await first.Services.GetRequiredService<IBlobStore>().PutAsync(BucketNames.ProjectSourceFiles, "restart-user/p1/README.md", new MemoryStream(Encoding.UTF8.GetBytes("# kept")), cancellationToken: Ct);
        }

        await using var second = new ServiceFactory<Program> { DataDirectory = dataDirectory };
        using var client = second.CreateClient();

        var user = await second.Services.GetRequiredService<IDocumentStore>().GetAsync("users/restart-user", Ct);
        Assert.Equal("Ada", user!.GetString("displayName"));
        await using var readme = await second.Services.GetRequiredService<IBlobStore>().OpenReadAsync(BucketNames.ProjectSourceFiles, "restart-user/p1/README.md", Ct);
        using var text = new StreamReader(readme!.Content);
        Assert.Equal("# kept", await text.ReadToEndAsync(Ct));
    }

    [Fact]
    public async Task Every_acknowledged_write_of_concurrent_clients_is_there_after_a_restart_over_the_same_data()
    {
        string dataDirectory;
        var acknowledged = new System.Collections.Concurrent.ConcurrentDictionary<(string Uid, string Project, string Path), string>();
        await using (var first = new ServiceFactory<Program>())
        {
            first.OwnsDataDirectory = false;
            dataDirectory = first.DataDirectory;
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async c =>
            {
                var uid = $"restart-writer-{c}";
                using var client = await first.CreateClientForAsync(uid);
                var project = (await client.CreateProjectAsync($"Writer {c}", $"com.example.writer{c}")).GetProperty("id").GetString()!;
                for (var i = 0; i < 12; i++)
                {
                    var path = $"src/File{i % 3}.kt";
                    var content = $"// {uid} write {i}";
                    using var put = await client.PutAsync($"/v1/projects/{project}/files/{path}", new StringContent(content, Encoding.UTF8, "text/plain"), Ct);
                    Assert.True(put.IsSuccessStatusCode, $"write answered {(int)put.StatusCode}");
                    acknowledged[(uid, project, path)] = content;
                }
            }));
        }

        await using var second = new ServiceFactory<Program> { DataDirectory = dataDirectory };
        foreach (var group in acknowledged.GroupBy(a => a.Key.Uid))
        {
            using var client = await second.CreateClientForAsync(group.Key);
            foreach (var ((_, project, path), content) in group)
            {
                using var read = await client.GetAsync($"/v1/projects/{project}/files/{path}", Ct);
                Assert.Equal(HttpStatusCode.OK, read.StatusCode);
                Assert.Equal(content, await read.Content.ReadAsStringAsync(Ct));
            }
        }

        Assert.Equal(12, acknowledged.Count);
    }
}
