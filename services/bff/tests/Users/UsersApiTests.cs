using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Tests.Credentials;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Users;

public sealed class UsersApiTests(CapturingServiceFactory factory) : IClassFixture<CapturingServiceFactory>
{
    private const string Me = "/v1/me";

    private IDocumentStore Store => factory.Services.GetRequiredService<IDocumentStore>();

    [Fact]
    public async Task The_first_get_creates_the_profile_from_the_tokens_claims()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientWithProfileAsync(uid, "ada@example.com", "Ada Lovelace", "https://lh3.example.com/ada.png");

        using var response = await client.GetAsync(Me, Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(response.Headers.ETag);
        var me = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(uid, me.GetProperty("uid").GetString());
        Assert.Equal("Ada Lovelace", me.GetProperty("displayName").GetString());
        Assert.Equal("ada@example.com", me.GetProperty("email").GetString());
        Assert.Equal("https://lh3.example.com/ada.png", me.GetProperty("photoUrl").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("bio").ValueKind);
        Assert.Equal("system", me.GetProperty("settings").GetProperty("theme").GetString());
        Assert.Equal(14, me.GetProperty("settings").GetProperty("editorFontSize").GetInt32());
        Assert.True(me.GetProperty("settings").GetProperty("notifications").GetProperty("buildFailed").GetBoolean());

        var stored = await Store.GetAsync("users/" + uid, Ct);
        Assert.Equal("Ada Lovelace", stored!.GetString("displayName"));
        Assert.NotNull(stored.GetTimestamp("createdAt"));
    }

    [Fact]
    public async Task Without_a_name_claim_the_display_name_comes_from_the_email_and_a_non_https_picture_is_ignored()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientWithProfileAsync(uid, "grace@example.com", null, "http://insecure.example.com/g.png");

        var me = await client.GetFromJsonAsync<JsonElement>(Me, Ct);

        Assert.Equal("grace", me.GetProperty("displayName").GetString());
        Assert.Equal(JsonValueKind.Null, me.GetProperty("photoUrl").ValueKind);
    }

    [Fact]
    public async Task If_none_match_with_the_current_etag_gets_304_until_the_profile_changes()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "etag@example.com");
        using var first = await client.GetAsync(Me, Ct);
        var etag = first.Headers.ETag!;

        using var notModified = await Send(client, HttpMethod.Get, Me, null, ifNoneMatch: etag.Tag);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
        Assert.Equal(etag, notModified.Headers.ETag);

        using var patched = await Send(client, HttpMethod.Patch, Me, """{"bio":"Writes apps on the train."}""");
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.NotEqual(etag, patched.Headers.ETag);

        using var changed = await Send(client, HttpMethod.Get, Me, null, ifNoneMatch: etag.Tag);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(patched.Headers.ETag, changed.Headers.ETag);
    }

    [Fact]
    public async Task Patch_changes_only_the_members_sent_and_settings_merge_key_by_key()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "patch@example.com");

        using var first = await Send(client, HttpMethod.Patch, Me, """
            {"displayName":"  Linus  ","bio":"Kernel person","photoUrl":"https://cdn.example.com/p.jpg","settings":{"theme":"dark","notifications":{"publish":false}}}
            """);
        var afterFirst = await first.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("Linus", afterFirst.GetProperty("displayName").GetString());

        using var second = await Send(client, HttpMethod.Patch, Me, """{"settings":{"editorFontSize":18,"notifications":{"buildSucceeded":false}}}""", contentType: "application/merge-patch+json");
        var me = await second.Content.ReadFromJsonAsync<JsonElement>(Ct);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("Linus", me.GetProperty("displayName").GetString());
        Assert.Equal("Kernel person", me.GetProperty("bio").GetString());
        var settings = me.GetProperty("settings");
        Assert.Equal("dark", settings.GetProperty("theme").GetString());
        Assert.Equal(18, settings.GetProperty("editorFontSize").GetInt32());
        Assert.False(settings.GetProperty("notifications").GetProperty("publish").GetBoolean());
        Assert.False(settings.GetProperty("notifications").GetProperty("buildSucceeded").GetBoolean());
        Assert.True(settings.GetProperty("notifications").GetProperty("buildFailed").GetBoolean());

        using var cleared = await Send(client, HttpMethod.Patch, Me, """{"bio":null,"photoUrl":null,"settings":{"theme":null}}""");
        var afterClear = await cleared.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(JsonValueKind.Null, afterClear.GetProperty("bio").ValueKind);
        Assert.Equal(JsonValueKind.Null, afterClear.GetProperty("photoUrl").ValueKind);
        Assert.Equal("system", afterClear.GetProperty("settings").GetProperty("theme").GetString());
        Assert.Equal(18, afterClear.GetProperty("settings").GetProperty("editorFontSize").GetInt32());
    }

    [Fact]
    public async Task A_stale_if_match_gets_412_and_changes_nothing_while_the_current_one_succeeds()
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "match@example.com");
        using var read = await client.GetAsync(Me, Ct);
        var seen = read.Headers.ETag!.Tag;

        using var other = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Changed elsewhere"}""");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        var before = await Store.GetAsync("users/" + uid, Ct);

        using var stale = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Stale write"}""", ifMatch: seen);
        await ProblemAssert.IsProblemAsync(stale, HttpStatusCode.PreconditionFailed, "precondition_failed");
        using var garbage = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Stale write"}""", ifMatch: "\"not-a-version\"");
        await ProblemAssert.IsProblemAsync(garbage, HttpStatusCode.PreconditionFailed, "precondition_failed");

        var after = await Store.GetAsync("users/" + uid, Ct);
        Assert.Equal(before!.Version, after!.Version);
        Assert.Equal("Changed elsewhere", after.GetString("displayName"));

        using var fresh = await Send(client, HttpMethod.Patch, Me, """{"displayName":"Fresh write"}""", ifMatch: other.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal("Fresh write", (await fresh.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("displayName").GetString());
    }

    [Theory]
    [InlineData("""{"displayName":""}""", "displayName")]
    [InlineData("""{"displayName":"   "}""", "displayName")]
    [InlineData("""{"displayName":42}""", "displayName")]
    [InlineData("""{"displayName":null}""", "displayName")]
    [InlineData("""{"displayName":"bell\u0007"}""", "displayName")]
    [InlineData("""{"photoUrl":"http://example.com/a.png"}""", "photoUrl")]
    [InlineData("""{"photoUrl":"javascript:alert(1)"}""", "photoUrl")]
    [InlineData("""{"photoUrl":"https://user:pw@example.com/a.png"}""", "photoUrl")]
    [InlineData("""{"photoUrl":"/relative.png"}""", "photoUrl")]
    [InlineData("""{"bio":["list"]}""", "bio")]
    [InlineData("""{"":11979142}""", "")]
    [InlineData("""{"email":"me@evil.example"}""", "email")]
    [InlineData("""{"settings":"dark"}""", "settings")]
    [InlineData("""{"settings":{"theme":"purple"}}""", "settings.theme")]
    [InlineData("""{"settings":{"theme":1}}""", "settings.theme")]
    [InlineData("""{"settings":{"editorFontSize":"14"}}""", "settings.editorFontSize")]
    [InlineData("""{"settings":{"editorFontSize":14.5}}""", "settings.editorFontSize")]
    [InlineData("""{"settings":{"editorFontSize":100}}""", "settings.editorFontSize")]
    [InlineData("""{"settings":{"fontFamily":"Fira Code"}}""", "settings.fontFamily")]
    [InlineData("""{"settings":{"notifications":{"publish":"yes"}}}""", "settings.notifications.publish")]
    [InlineData("""{"settings":{"notifications":{"marketing":true}}}""", "settings.notifications.marketing")]
    [InlineData("""{"settings":{"notifications":true}}""", "settings.notifications")]
    [InlineData("""["displayName"]""", "$")]
    public async Task Invalid_patches_get_a_validation_problem_naming_the_member_and_change_nothing(string body, string field)
    {
        var uid = NewUid();
        using var client = await factory.CreateClientForAsync(uid, "invalid@example.com");
        using var _ = await client.GetAsync(Me, Ct);
        var before = await Store.GetAsync("users/" + uid, Ct);

        // A valid member next to the invalid one must not be applied either.
        var patch = body.StartsWith('{') && !body.Contains("displayName", StringComparison.Ordinal) ? body.Insert(1, "\"displayName\":\"Should not stick\",") : body;
        using var response = await Send(client, HttpMethod.Patch, Me, patch);

        await ProblemAssert.IsValidationProblemAsync(response, field);
        var after = await Store.GetAsync("users/" + uid, Ct);
        Assert.Equal(before!.Version, after!.Version);
    }

    [Fact]
    public async Task Too_long_values_are_rejected()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "long@example.com");

        using var name = await Send(client, HttpMethod.Patch, Me, JsonSerializer.Serialize(new { displayName = new string('n', 81) }));
        using var bio = await Send(client, HttpMethod.Patch, Me, JsonSerializer.Serialize(new { bio = new string('b', 501) }));
        using var url = await Send(client, HttpMethod.Patch, Me, JsonSerializer.Serialize(new { photoUrl = "https://example.com/" + new string('u', 2048) }));

        await ProblemAssert.IsValidationProblemAsync(name, "displayName");
        await ProblemAssert.IsValidationProblemAsync(bio, "bio");
        await ProblemAssert.IsValidationProblemAsync(url, "photoUrl");
    }

    [Fact]
    public async Task Malformed_json_and_oversized_bodies_get_4xx_problems()
    {
        using var client = await factory.CreateClientForAsync(NewUid(), "bad@example.com");

        using var malformed = await Send(client, HttpMethod.Patch, Me, """{"displayName": "unterminated""");
        await ProblemAssert.IsProblemAsync(malformed, HttpStatusCode.BadRequest);

        // The in-memory server enforces no body limit (BodyLimitTests proves 413 on Kestrel); the
        // oversized value is still refused.
        using var huge = await Send(client, HttpMethod.Patch, Me, "{\"bio\":\"" + new string('x', 11 * 1024 * 1024) + "\"}");
        await ProblemAssert.IsValidationProblemAsync(huge, "bio");

        using var plain = new HttpRequestMessage(HttpMethod.Patch, Me) { Content = new StringContent("""{"bio":"x"}""", Encoding.UTF8, "text/plain") };
        using var wrongType = await client.SendAsync(plain, Ct);
        await ProblemAssert.IsProblemAsync(wrongType, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Each_user_sees_and_changes_only_their_own_profile()
    {
        var alice = NewUid();
        var bob = NewUid();
        using var aliceClient = await factory.CreateClientWithProfileAsync(alice, "alice@example.com", "Alice", null);
        using var bobClient = await factory.CreateClientWithProfileAsync(bob, "bob@example.com", "Bob", null);

        using var _ = await Send(aliceClient, HttpMethod.Patch, Me, """{"bio":"Alice's bio"}""");
        var bobsView = await bobClient.GetFromJsonAsync<JsonElement>(Me, Ct);

        Assert.Equal(bob, bobsView.GetProperty("uid").GetString());
        Assert.Equal("Bob", bobsView.GetProperty("displayName").GetString());
        Assert.Equal(JsonValueKind.Null, bobsView.GetProperty("bio").ValueKind);
        Assert.Equal("Alice's bio", (await Store.GetAsync("users/" + alice, Ct))!.GetString("bio"));
    }

    [Fact]
    public async Task Without_a_token_both_routes_answer_401()
    {
        using var client = factory.CreateClient();

        using var get = await client.GetAsync(Me, Ct);
        using var patch = await Send(client, HttpMethod.Patch, Me, """{"bio":"x"}""");

        await ProblemAssert.IsProblemAsync(get, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(patch, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_routes_and_the_patch_body()
    {
        using var client = factory.CreateClient();

        var document = await client.GetStringAsync("/openapi/v1.json", Ct);

        Assert.Contains("\"/v1/me\"", document, StringComparison.Ordinal);
        Assert.Contains("UpdateMeRequest", document, StringComparison.Ordinal);
        Assert.Contains("\"/v1/me/credentials/keystore:generate\"", document, StringComparison.Ordinal);
    }

    private static string NewUid() => "user-" + Guid.NewGuid().ToString("N")[..12];

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string url, string? json, string? ifMatch = null, string? ifNoneMatch = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, url);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
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
