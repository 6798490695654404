using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using PocketCode.Bff.BuildCache;
using PocketCode.Bff.Tests.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.BuildCache;

/// <summary>The builds' wiring plus a cache signing key and a small entry limit.</summary>
public class BuildCacheFixture : BuildsFixture
{
    public const long MaxEntryBytes = 4096;

    /// <summary>The key the BFF signs credentials with; the tests use it only to forge expired or foreign ones.</summary>
    public static readonly string SigningKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    protected override ValueTask ConfigureAsync(ServiceFactory<Program> factory)
    {
        // The suite's log scan fails the run if the key (or a credential, registered as issued) is ever logged.
        SecretScan.Register("build cache signing key", SigningKey);
        factory.Settings["BuildCache:SigningKey"] = SigningKey;
        factory.Settings["BuildCache:MaxEntryBytes"] = MaxEntryBytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return ValueTask.CompletedTask;
    }

    /// <summary>A new user's build, pushed to the GitHub stand-in and dispatched: it has its repository.</summary>
    public async Task<DispatchedBuild> DispatchedBuildAsync(string uid, string projectName)
    {
        var client = await UserWithCredentialsAsync(uid);
        var projectId = await client.CreateProjectIdAsync(projectName, "com.example.cache");
        var queued = await StartBuildAsync(client, projectId);
        var buildId = queued.GetProperty("id").GetString()!;
        var build = await WaitForDispatchedAsync(client, buildId);
        var repo = build.GetProperty("githubRepo");
        return new DispatchedBuild(buildId, repo.GetProperty("owner").GetString() + "/" + repo.GetProperty("name").GetString());
    }
}

public sealed record DispatchedBuild(string BuildId, string Repository);

/// <summary>The same with the BFF's documents (builds, projects: the repository → owner lookup) in Google's Firestore emulator.</summary>
public sealed class FirestoreBuildCacheFixture : BuildCacheFixture
{
    protected override ServiceFactory<Program> CreateFactory() => new Firestore.BffFirestoreFactory();
}

/// <summary>
/// Gradle's HTTP build cache through the BFF: credentials from the workflow's OIDC token,
/// entries per owner, pushes only from the default branch of the owner's project repository,
/// the entry size limit, and key rules. Every build here is a real one pushed to the GitHub
/// stand-in and dispatched, so the repository → build → owner binding is the production one.
/// </summary>
public abstract class BuildCacheTestsBase<TFixture>(TFixture fixture)
    where TFixture : BuildCacheFixture
{
    private const string Key = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task An_entry_stored_by_a_main_build_is_a_hit_for_its_owner()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-hit-alice", "Cache Hit Alice");
        var session = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 1001));
        Assert.True(session.GetProperty("push").GetBoolean());
        Assert.Equal(BuildsFixture.Audience + "/v1/build-cache/", session.GetProperty("url").GetString());
        Assert.Equal(alice.BuildId, session.GetProperty("username").GetString());

        var bytes = RandomNumberGenerator.GetBytes(3000);
        using (var miss = await GetAsync(session, Key))
        {
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        using (var put = await PutAsync(session, Key, bytes))
        {
            Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(Ct)}");
        }

        using var hit = await GetAsync(session, Key);
        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        Assert.Equal(BuildCacheRules.EntryContentType, hit.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await hit.Content.ReadAsByteArrayAsync(Ct));

        // A later build of the same owner (another run) reads what the first stored.
        var next = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 1001));
        using var again = await GetAsync(next, Key);
        Assert.Equal(bytes, await again.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task Another_users_identical_key_is_a_miss_and_never_their_bytes()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-iso-alice", "Cache Iso Alice");
        var bob = await fixture.DispatchedBuildAsync("cache-iso-bob", "Cache Iso Bob");
        var aliceSession = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 2001));
        var bobSession = await SessionAsync(bob.BuildId, fixture.Token(bob.Repository, 2002));

        var aliceBytes = Encoding.UTF8.GetBytes("alice's compiled classes");
        using (var put = await PutAsync(aliceSession, Key, aliceBytes))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        using (var miss = await GetAsync(bobSession, Key))
        {
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        // Bob's own entry under the same key does not replace Alice's.
        var bobBytes = Encoding.UTF8.GetBytes("bob's poisoned classes");
        using (var put = await PutAsync(bobSession, Key, bobBytes))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        using var aliceHit = await GetAsync(aliceSession, Key);
        Assert.Equal(aliceBytes, await aliceHit.Content.ReadAsByteArrayAsync(Ct));
        using var bobHit = await GetAsync(bobSession, Key);
        Assert.Equal(bobBytes, await bobHit.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_token_of_another_repository_gets_no_credential_and_stores_nothing()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-repo-alice", "Cache Repo Alice");
        var bob = await fixture.DispatchedBuildAsync("cache-repo-bob", "Cache Repo Bob");

        // Bob's repository (a PocketCode project, but not Alice's) asks for Alice's build's cache.
        using (var foreign = await SessionResponseAsync(alice.BuildId, fixture.Token(bob.Repository, 3001)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, foreign.StatusCode);
            Assert.DoesNotContain("password", await foreign.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }

        // A repository no PocketCode project is bound to.
        using (var stranger = await SessionResponseAsync(alice.BuildId, fixture.Token("mallory/not-a-project", 3002)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, stranger.StatusCode);
        }

        // Once the build's run is known, another run of the right repository is refused too.
        using (var report = await fixture.ReportAsync(alice.BuildId, fixture.Token(alice.Repository, 3003), new { state = "running", runId = 3003L }))
        {
            Assert.Equal(HttpStatusCode.OK, report.StatusCode);
        }

        using (var otherRun = await SessionResponseAsync(alice.BuildId, fixture.Token(alice.Repository, 3004)))
        {
            Assert.Equal(HttpStatusCode.Forbidden, otherRun.StatusCode);
        }

        // Nothing was stored for Alice by any of them.
        var aliceSession = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 3003));
        using var miss = await GetAsync(aliceSession, Key);
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
    }

    [Fact]
    public async Task Without_a_valid_unexpired_credential_every_call_is_401_and_stores_nothing()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-auth-alice", "Cache Auth Alice");
        var session = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 4001));
        var username = session.GetProperty("username").GetString()!;
        var password = session.GetProperty("password").GetString()!;

        // The session itself: no token, a token for another audience, an expired token.
        using (var none = await SessionResponseAsync(alice.BuildId, token: null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        }

        using (var audience = await SessionResponseAsync(alice.BuildId, fixture.Token(alice.Repository, 4001, c => c["aud"] = "https://elsewhere.example")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, audience.StatusCode);
        }

        using (var expiredToken = await SessionResponseAsync(alice.BuildId, fixture.Token(alice.Repository, 4001, c => c["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds())))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, expiredToken.StatusCode);
        }

        // The entries: no credential, the phone's Firebase token, a tampered grant, a foreign key,
        // an expired credential, and a valid password under another build's username.
        var phoneToken = await fixture.Factory.MintTokenAsync("cache-auth-alice");
        var tamperedPayload = Tamper(password);
        var bogus = new List<(string Name, AuthenticationHeaderValue? Header)>
        {
            ("none", null),
            ("firebase", new AuthenticationHeaderValue("Bearer", phoneToken)),
            ("tampered", Basic(username, tamperedPayload)),
            ("other key", Basic(username, Forge(alice, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), DateTimeOffset.UtcNow.AddHours(1)).Password)),
            ("expired", Basic(username, Forge(alice, BuildCacheFixture.SigningKey, DateTimeOffset.UtcNow.AddMinutes(-1)).Password)),
            ("other username", Basic("AAAAAAAAAAAAAAAAAAAA", password)),
            ("not base64", new AuthenticationHeaderValue("Basic", "%%%")),
        };
        foreach (var (name, header) in bogus)
        {
            using var put = await SendAsync(HttpMethod.Put, Key, header, new ByteArrayContent([1, 2, 3]));
            Assert.True(put.StatusCode == HttpStatusCode.Unauthorized, $"{name}: PUT answered {(int)put.StatusCode}");
            Assert.Contains("Basic", put.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
            using var get = await SendAsync(HttpMethod.Get, Key, header);
            Assert.True(get.StatusCode == HttpStatusCode.Unauthorized, $"{name}: GET answered {(int)get.StatusCode}");
        }

        using var miss = await GetAsync(session, Key);
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
    }

    [Fact]
    public async Task A_run_of_another_branch_may_read_but_not_store()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-branch-alice", "Cache Branch Alice");
        var main = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 5001));
        var bytes = Encoding.UTF8.GetBytes("from main");
        using (var put = await PutAsync(main, Key, bytes))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        var branch = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 5001, c => c["ref"] = "refs/heads/feature"));
        Assert.False(branch.GetProperty("push").GetBoolean());
        using (var hit = await GetAsync(branch, Key))
        {
            Assert.Equal(bytes, await hit.Content.ReadAsByteArrayAsync(Ct));
        }

        const string otherKey = "fedcba9876543210fedcba9876543210";
        using (var refused = await PutAsync(branch, otherKey, Encoding.UTF8.GetBytes("from a branch")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        using (var overwrite = await PutAsync(branch, Key, Encoding.UTF8.GetBytes("from a branch")))
        {
            Assert.Equal(HttpStatusCode.Forbidden, overwrite.StatusCode);
        }

        using var miss = await GetAsync(main, otherKey);
        Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        using var unchanged = await GetAsync(main, Key);
        Assert.Equal(bytes, await unchanged.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task An_entry_over_the_limit_is_413_and_stores_nothing()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-size-alice", "Cache Size Alice");
        var session = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 6001));
        var tooBig = RandomNumberGenerator.GetBytes((int)BuildCacheFixture.MaxEntryBytes + 1);

        // Declared length: refused before the body is read.
        using (var declared = await PutAsync(session, Key, tooBig))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
            Assert.Equal("payload_too_large", await CodeAsync(declared));
        }

        // Chunked, no length: cut off at the limit while streaming.
        using (var chunked = await SendAsync(HttpMethod.Put, Key, Basic(session), new StreamContent(new MemoryStream(tooBig))))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunked.StatusCode);
        }

        using (var miss = await GetAsync(session, Key))
        {
            Assert.Equal(HttpStatusCode.NotFound, miss.StatusCode);
        }

        // Exactly the limit is stored.
        var fits = tooBig[..(int)BuildCacheFixture.MaxEntryBytes];
        using (var put = await SendAsync(HttpMethod.Put, Key, Basic(session), new StreamContent(new MemoryStream(fits))))
        {
            Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}");
        }

        using var hit = await GetAsync(session, Key);
        Assert.Equal(fits, await hit.Content.ReadAsByteArrayAsync(Ct));
    }

    [Fact]
    public async Task A_key_that_is_not_a_gradle_hash_is_refused_before_the_store()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-keys-alice", "Cache Keys Alice");
        var session = await SessionAsync(alice.BuildId, fixture.Token(alice.Repository, 7001));

        // Reaching the handler: a validation problem, never a miss or a write.
        foreach (var key in new[] { "...", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef.json", "abc", new string('0', BuildCacheRules.MaxKeyLength + 1) })
        {
            using var put = await SendAsync(HttpMethod.Put, key, Basic(session), new ByteArrayContent([1]));
            Assert.True(put.StatusCode == HttpStatusCode.BadRequest, $"PUT {key}: {(int)put.StatusCode}");
            using var get = await SendAsync(HttpMethod.Get, key, Basic(session));
            Assert.True(get.StatusCode == HttpStatusCode.BadRequest, $"GET {key}: {(int)get.StatusCode}");
        }

        // Dot segments (the client resolves them) and encoded slashes never reach another prefix:
        // they match no cache route, or fail the key rule.
        foreach (var key in new[] { "..", "%2E%2E", "..%2F..%2Fcache-keys-bob%2F0123456789abcdef", "x/../../0123456789abcdef" })
        {
            using var put = await SendAsync(HttpMethod.Put, key, Basic(session), new ByteArrayContent([1]));
            Assert.True((int)put.StatusCode is 400 or 401 or 404 or 405, $"PUT {key}: {(int)put.StatusCode}");
        }
    }

    [Fact]
    public async Task A_finished_build_gets_no_credential()
    {
        var alice = await fixture.DispatchedBuildAsync("cache-done-alice", "Cache Done Alice");
        using (var failed = await fixture.ReportAsync(alice.BuildId, fixture.Token(alice.Repository, 8001), new { state = "failed", runId = 8001L, message = "Gradle failed" }))
        {
            Assert.Equal(HttpStatusCode.OK, failed.StatusCode);
        }

        using var session = await SessionResponseAsync(alice.BuildId, fixture.Token(alice.Repository, 8001));
        Assert.Equal(HttpStatusCode.Conflict, session.StatusCode);
    }

    private async Task<HttpResponseMessage> SessionResponseAsync(string buildId, string? token)
    {
        using var anonymous = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/build-cache/sessions?buildId={buildId}");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await anonymous.SendAsync(request, Ct);
    }

    private async Task<JsonElement> SessionAsync(string buildId, string token)
    {
        using var response = await SessionResponseAsync(buildId, token);
        var text = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        var session = JsonDocument.Parse(text).RootElement.Clone();
        SecretScan.Register("build cache password", session.GetProperty("password").GetString()!);
        return session;
    }

    private Task<HttpResponseMessage> GetAsync(JsonElement session, string key) => SendAsync(HttpMethod.Get, key, Basic(session));

    private Task<HttpResponseMessage> PutAsync(JsonElement session, string key, byte[] body) =>
        SendAsync(HttpMethod.Put, key, Basic(session), new ByteArrayContent(body));

    /// <summary>A request as Gradle sends it: Basic credentials, the build-cache content type on PUT.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string key, AuthenticationHeaderValue? authorization, HttpContent? content = null)
    {
        using var anonymous = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(method, "/v1/build-cache/" + key) { Content = content };
        request.Headers.Authorization = authorization;
        if (content is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(BuildCacheRules.EntryContentType);
        }

        return await anonymous.SendAsync(request, Ct);
    }

    private static AuthenticationHeaderValue Basic(JsonElement session) =>
        Basic(session.GetProperty("username").GetString()!, session.GetProperty("password").GetString()!);

    private static AuthenticationHeaderValue Basic(string username, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(username + ":" + password)));

    /// <summary>A credential for <paramref name="build"/> with push, signed with <paramref name="key"/>, expiring at <paramref name="expiresAt"/>.</summary>
    private static (string Username, string Password) Forge(DispatchedBuild build, string key, DateTimeOffset expiresAt)
    {
        var credentials = new BuildCacheCredentials(Options.Create(new BuildCacheOptions { SigningKey = key }), TimeProvider.System);
        return credentials.Issue(new BuildCacheGrant("cache-auth-alice", build.Repository, build.BuildId, true, expiresAt));
    }

    /// <summary>The same password with one character of its payload changed (the MAC left as it was).</summary>
    private static string Tamper(string password)
    {
        var chars = password.ToCharArray();
        chars[3] = chars[3] == 'A' ? 'B' : 'A';
        return new string(chars);
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("code").GetString();
}

public sealed class BuildCacheTests(BuildCacheFixture fixture) : BuildCacheTestsBase<BuildCacheFixture>(fixture), IClassFixture<BuildCacheFixture>;

public sealed class FirestoreBuildCacheTests(FirestoreBuildCacheFixture fixture) : BuildCacheTestsBase<FirestoreBuildCacheFixture>(fixture), IClassFixture<FirestoreBuildCacheFixture>;
