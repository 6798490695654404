using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Storage.Firestore;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Firestore;

/// <summary>What only the Firestore adapter can show: the service's documents live in its own emulator project.</summary>
public sealed class FirestoreIsolationTests(BffFirestoreFactory factory) : IClassFixture<BffFirestoreFactory>
{
    private const string Me = "/v1/me";

    [Fact]
    public async Task The_service_stores_its_documents_in_its_own_emulator_project()
    {
        Assert.IsType<FirestoreDocumentStore>(factory.Documents);
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "where@example.com");

        using var response = await client.GetAsync(Me, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var raw = factory.OpenRawStore();
        var stored = await raw.GetAsync("users/" + uid, Ct);
        Assert.NotNull(stored);
        Assert.Equal("where@example.com", stored.GetString("email"));
        await using var elsewhere = factory.OpenRawStore(FirestoreEmulator.NewProjectId());
        Assert.Null(await elsewhere.GetAsync("users/" + uid, Ct));
        Assert.False(File.Exists(Path.Combine(factory.DataDirectory, "documents.db")), "the SQLite store was used");
    }

    private static string NewUid() => "user-" + Guid.NewGuid().ToString("N")[..12];
}
