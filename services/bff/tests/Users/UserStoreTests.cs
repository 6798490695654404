using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Tests.Firestore;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Users;

/// <summary>
/// The profile and credential routes against each document store (SQLite and Google's Firestore
/// emulator): one suite, run on both by the classes at the end of the file.
/// </summary>
public abstract class UserStoreTests<TFactory>(TFactory factory)
    where TFactory : ServiceFactory<Program>
{
    private const string Me = "/v1/me";
    private const string Credentials = "/v1/me/credentials";

    private IDocumentStore Documents => factory.Services.GetRequiredService<IDocumentStore>();

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
        var before = await Documents.GetAsync("users/" + uid, Ct);

        using var stale = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Stale write"}""", ifMatch: seen);
        await ProblemAssert.IsProblemAsync(stale, HttpStatusCode.PreconditionFailed);

        var after = await Documents.GetAsync("users/" + uid, Ct);
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

        // What the store itself holds, read past the service's API.
        var raw = Documents;
        var stored = await raw.GetAsync("users/" + uid, Ct);
        Assert.NotNull(stored);
        Assert.False(RawDocument.HoldsAnywhere(stored.Data, apiKey), "the user document holds the API key in plaintext");
        Assert.False(RawDocument.HoldsAnywhere(stored.Data, token), "the user document holds the GitHub token in plaintext");
        Assert.True(RawDocument.HoldsAnywhere(stored.Data, "gemini"), "the credentials are not in the user document at all");

        using var deleted = await client.DeleteAsync(Credentials + "/github", Ct);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var again = await client.DeleteAsync(Credentials + "/github", Ct);
        await ProblemAssert.IsProblemAsync(again, HttpStatusCode.NotFound);
        var left = (await client.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("kind").GetString());
        Assert.Equal(["gemini"], left);

        using var other = await factory.CreateClientForAsync(NewUid(), "other@example.com");
        Assert.Empty((await other.GetFromJsonAsync<JsonElement>(Credentials, Ct)).GetProperty("items").EnumerateArray());
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

public sealed class SqliteUserStoreTests(ServiceFactory<Program> factory)
    : UserStoreTests<ServiceFactory<Program>>(factory), IClassFixture<ServiceFactory<Program>>;

public sealed class FirestoreUserStoreTests(BffFirestoreFactory factory)
    : UserStoreTests<BffFirestoreFactory>(factory), IClassFixture<BffFirestoreFactory>;
