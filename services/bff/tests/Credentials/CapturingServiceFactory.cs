using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Credentials;

/// <summary>
/// The BFF in memory with every log line captured (all categories at Trace), so tests can prove
/// that no secret reaches a log.
/// </summary>
public class CapturingServiceFactory : ServiceFactory<Program>
{
    public CapturingServiceFactory()
    {
        LogCapture.AllLevels(Settings);
    }

    public LogCapture Logs { get; } = new();

    /// <summary>A client whose token carries a display name and picture, as Google sign-in's do.</summary>
    public async Task<HttpClient> CreateClientWithProfileAsync(string uid, string? email, string? name, string? picture)
    {
        using var anonymous = CreateClient();
        using var response = await anonymous.PostAsJsonAsync("/dev/tokens", new
        {
            uid,
            email,
            name,
            claims = picture is null ? null : new Dictionary<string, object> { ["picture"] = picture },
        });
        response.EnsureSuccessStatusCode();
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", body.RootElement.GetProperty("idToken").GetString());
        return client;
    }

    /// <summary>Every byte the embedded document store has on disk (database, WAL and shared memory).</summary>
    public byte[] DocumentStoreFileBytes()
    {
        SqliteConnection.ClearAllPools();
        using var all = new MemoryStream();
        foreach (var file in Directory.EnumerateFiles(DataDirectory, "documents.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.CopyTo(all);
        }

        return all.ToArray();
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }
}
