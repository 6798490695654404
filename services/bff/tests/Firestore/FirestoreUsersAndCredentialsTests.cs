using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using PocketCode.Storage.Firestore;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Firestore;

/// <summary>The profile and credential routes with the documents in the Firestore emulator.</summary>
public sealed class FirestoreUsersAndCredentialsTests(BffFirestoreFactory factory) : IClassFixture<BffFirestoreFactory>
{
    private const string Me = "/v1/me";
    private const string Credentials = "/v1/me/credentials";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

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

    [Fact]
    public async Task Patch_with_a_stale_if_match_is_412_and_changes_nothing_while_the_current_etag_succeeds()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "match@example.com");
        using var read = await client.GetAsync(Me, Ct);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var seen = read.Headers.ETag!.Tag;

        using var changed = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Changed elsewhere","settings":{"theme":"dark"}}""");
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.NotEqual(seen, changed.Headers.ETag!.Tag);
        var before = await factory.Documents.GetAsync("users/" + uid, Ct);

        using var stale = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Stale write"}""", ifMatch: seen);
        await AssertProblemAsync(stale, HttpStatusCode.PreconditionFailed);

        var after = await factory.Documents.GetAsync("users/" + uid, Ct);
        Assert.Equal(before!.Version, after!.Version);
        Assert.Equal("Changed elsewhere", after.GetString("displayName"));

        using var fresh = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Fresh write"}""", ifMatch: changed.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        var me = await client.GetFromJsonAsync<JsonElement>(Me, Ct);
        Assert.Equal("Fresh write", me.GetProperty("displayName").GetString());
        Assert.Equal("dark", me.GetProperty("settings").GetProperty("theme").GetString());
        using var conditional = await Send(client, HttpMethod.Get, Me, null, ifNoneMatch: fresh.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, conditional.StatusCode);
    }

    [Fact]
    public async Task Credentials_are_put_listed_and_deleted_and_the_stored_document_holds_no_plaintext()
    {
        var uid = NewUid();
        var apiKey = "AIzaSy-gemini-" + Guid.NewGuid().ToString("N");
        var token = "ghp_" + Guid.NewGuid().ToString("N");
        using var client = await factory.CreateClientForAsync(uid, "keys@example.com");

        using (var put = await client.PutAsJsonAsync(Credentials + "/gemini", new { apiKey }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.DoesNotContain(apiKey, await put.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        using (var put = await client.PutAsJsonAsync(Credentials + "/github", new { token }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var listBody = await client.GetStringAsync(Credentials, Ct);
        var kinds = JsonDocument.Parse(listBody).RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString()).Order().ToList();
        Assert.Equal(["gemini", "github"], kinds);
        Assert.DoesNotContain(apiKey, listBody, StringComparison.Ordinal);
        Assert.DoesNotContain(token, listBody, StringComparison.Ordinal);

        // What Firestore itself holds, read past the service with a client of our own.
        await using var raw = factory.OpenRawStore();
        var stored = await raw.GetAsync("users/" + uid, Ct);
        Assert.NotNull(stored);
        Assert.False(RawDocument.HoldsAnywhere(stored.Data, apiKey), "the user document holds the API key in plaintext");
        Assert.False(RawDocument.HoldsAnywhere(stored.Data, token), "the user document holds the GitHub token in plaintext");
        Assert.True(RawDocument.HoldsAnywhere(stored.Data, "gemini"), "the credentials are not in the user document at all");

        using var deleted = await client.DeleteAsync(Credentials + "/github", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await client.DeleteAsync(Credentials + "/github", Ct);
        await AssertProblemAsync(again, HttpStatusCode.NotFound);
        var left = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString());
        Assert.Equal(["gemini"], left);

        using var other = await factory.CreateClientForAsync(NewUid(), "other@example.com");
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray());
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static string NewUid() => "user-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, string? json, string? ifMatch = null, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        if (ifNoneMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
        }

        return await client.SendAsync(request, Ct);
    }
}
