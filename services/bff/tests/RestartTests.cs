using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests;

public sealed class RestartTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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
}
