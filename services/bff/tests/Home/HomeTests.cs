using System.Net;
using System.Net.Http.Headers;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Routing;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Bff.Tests.Routing;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Home;

/// <summary>The BFF with its marketplace at <paramref name="marketplaceUrl"/>; optionally a store decorator.</summary>
internal sealed class HomeBff : ServiceFactory<Program>
{
    private readonly Func<IDocumentStore, IDocumentStore>? _decorate;

    public HomeBff(string marketplaceUrl, TimeSpan? marketplaceTimeout = null, Func<IDocumentStore, IDocumentStore>? decorate = null)
    {
        _decorate = decorate;
        Settings[ServiceRoutesOptions.MarketplaceUrlKey] = marketplaceUrl;
        Settings["Services:UseGoogleIdTokens"] = "false";
        if (marketplaceTimeout is { } timeout)
        {
            Settings["Home:MarketplaceTimeout"] = timeout.ToString("c");
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        if (_decorate is { } decorate)
        {
            builder.ConfigureTestServices(services =>
            {
                var original = services.Last(d => d.ServiceType == typeof(IDocumentStore));
                services.Remove(original);
                services.AddSingleton(sp => decorate(original.ImplementationFactory is { } factory
                    ? (IDocumentStore)factory(sp)
                    : (IDocumentStore)(original.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, original.ImplementationType!))));
            });
        }
    }
}

/// <summary>
/// Holds every query of the <c>projects</c> collection at <see cref="Gate"/> while armed; with
/// <see cref="GateEach"/> armed, each of the home screen's store reads (the profile document, the
/// projects and the builds queries) waits at it, named <c>profile</c>, <c>projects</c>, <c>builds</c>.
/// </summary>
public class GatedStore : DispatchProxy
{
    public IDocumentStore Inner { get; set; } = null!;

    public Func<Task>? Gate { get; set; }

    public Func<string, Task>? GateEach { get; set; }

    public static GatedStore Wrap(IDocumentStore inner)
    {
        var proxy = DispatchProxy.Create<IDocumentStore, GatedStore>();
        var gated = (GatedStore)(object)proxy;
        gated.Inner = inner;
        return gated;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (GateEach is { } each)
        {
            if (targetMethod!.Name == nameof(IDocumentStore.GetAsync) && args![0] is string path && path.StartsWith("users/", StringComparison.Ordinal))
            {
                return GatedGetAsync(() => each("profile"), path, (CancellationToken)args[1]!);
            }

            if (targetMethod.Name == nameof(IDocumentStore.QueryAsync) && args![0] is DocumentQuery { CollectionPath: "projects" or "builds" } gatedQuery)
            {
                return GatedQueryAsync(() => each(gatedQuery.CollectionPath), gatedQuery, (CancellationToken)args[1]!);
            }
        }

        if (targetMethod!.Name == nameof(IDocumentStore.QueryAsync) && args![0] is DocumentQuery { CollectionPath: "projects" } query && Gate is { } gate)
        {
            return GatedQueryAsync(gate, query, (CancellationToken)args[1]!);
        }

        try
        {
            return targetMethod.Invoke(Inner, args);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }

    private async Task<DocumentSnapshot?> GatedGetAsync(Func<Task> gate, string path, CancellationToken cancellationToken)
    {
        await gate();
        return await Inner.GetAsync(path, cancellationToken);
    }

    private async Task<QueryResult> GatedQueryAsync(Func<Task> gate, DocumentQuery query, CancellationToken cancellationToken)
    {
        await gate();
        return await Inner.QueryAsync(query, cancellationToken);
    }
}

public sealed class HomeTests
{
    private const string Highlights = """{"highlights":[{"id":"todo-template","name":"Todo list"}]}""";

    [Fact]
    public async Task The_home_screen_has_profile_projects_builds_and_highlights_with_the_users_token()
    {
        string? seenAuthorization = null;
        await using var marketplace = await StandIn.StartAsync("marketplace", app => app.MapGet("/v1/marketplace/highlights", (HttpContext c) =>
        {
            seenAuthorization = c.Request.Headers.Authorization.ToString();
            return Results.Text(Highlights, "application/json");
        }));
        // The screen must say "ok": the shipped 2 s deadline would race the first, cold call to the
        // stand-in on a loaded machine. The deadline itself has its own test below.
        await using var bff = new HomeBff(marketplace.Url, TimeSpan.FromSeconds(30));
        using var client = await bff.CreateClientForAsync("home-user", "home@example.com");
        var projectIds = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            projectIds.Add((await client.CreateProjectAsync($"App {i}", $"com.example.app{i}")).GetProperty("id").GetString()!);
        }

        var home = await GetHomeAsync(client);

        Assert.Equal("home-user", home.GetProperty("profile").GetProperty("uid").GetString());
        var recent = home.GetProperty("recentProjects").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ToList();
        // The five newest by activity, newest first.
        Assert.Equal(Enumerable.Reverse(projectIds).Take(5), recent);
        Assert.Empty(home.GetProperty("recentBuilds").EnumerateArray());
        Assert.Equal("ok", home.GetProperty("marketplace").GetProperty("status").GetString());
        Assert.Equal("todo-template", home.GetProperty("marketplace").GetProperty("highlights")[0].GetProperty("id").GetString());
        Assert.Equal(client.DefaultRequestHeaders.Authorization!.ToString(), seenAuthorization);
    }

    [Fact]
    public async Task A_refused_marketplace_leaves_the_rest_of_the_screen()
    {
        await using var bff = new HomeBff(RefusingUrl());
        using var client = await bff.CreateClientForAsync("home-down-user");
        await client.CreateProjectAsync();

        var home = await GetHomeAsync(client);

        AssertUnavailable(home);
        Assert.Single(home.GetProperty("recentProjects").EnumerateArray());
    }

    [Fact]
    public async Task A_failing_marketplace_is_unavailable()
    {
        await using var marketplace = await StandIn.StartAsync("marketplace", app =>
            app.MapGet("/v1/marketplace/highlights", () => Results.StatusCode(StatusCodes.Status503ServiceUnavailable)));
        await using var bff = new HomeBff(marketplace.Url);
        using var client = await bff.CreateClientForAsync("home-failing-user");

        AssertUnavailable(await GetHomeAsync(client));
    }

    [Fact]
    public async Task A_marketplace_without_highlights_yet_is_unavailable()
    {
        await using var marketplace = await StandIn.StartAsync("marketplace", app =>
            app.MapGet("/v1/marketplace/highlights", () => Results.NotFound()));
        await using var bff = new HomeBff(marketplace.Url);
        using var client = await bff.CreateClientForAsync("home-404-user");

        AssertUnavailable(await GetHomeAsync(client));
    }

    [Fact]
    public async Task A_marketplace_slower_than_the_timeout_is_unavailable()
    {
        var never = new TaskCompletionSource();
        await using var marketplace = await StandIn.StartAsync("marketplace", app => app.MapGet("/v1/marketplace/highlights", async (HttpContext c) =>
        {
            await never.Task.WaitAsync(c.RequestAborted);
            return Results.Text(Highlights, "application/json");
        }));
        await using var bff = new HomeBff(marketplace.Url, TimeSpan.FromMilliseconds(200));
        using var client = await bff.CreateClientForAsync("home-slow-user");

        AssertUnavailable(await GetHomeAsync(client));
    }

    [Fact]
    public async Task Stopping_the_marketplace_during_traffic_keeps_every_home_screen_200_and_marks_the_marketplace_unavailable()
    {
        var marketplace = await StandIn.StartAsync("marketplace", app => app.MapGet("/v1/marketplace/highlights", () => Results.Text(Highlights, "application/json")));
        await using var bff = new HomeBff(marketplace.Url);
        var clients = new List<HttpClient>();
        for (var i = 0; i < 4; i++)
        {
            var client = await bff.CreateClientForAsync($"home-traffic-{i}");
            await client.CreateProjectAsync($"Traffic {i}", $"com.example.traffic{i}");
            clients.Add(client);
        }

        // Four phones open the home screen in a loop while the marketplace goes away underneath.
        var answers = new System.Collections.Concurrent.ConcurrentQueue<(bool AfterStop, HttpStatusCode Status, string Body)>();
        var stopped = 0;
        using var done = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var traffic = clients.Select(client => Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                var afterStop = Volatile.Read(ref stopped) == 1;
                using var response = await client.GetAsync("/v1/home", CancellationToken.None);
                answers.Enqueue((afterStop, response.StatusCode, await response.Content.ReadAsStringAsync(CancellationToken.None)));
            }
        })).ToList();

        // Failure guards only (generous): the traffic must reach the marketplace first, and degraded answers must follow the stop.
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (answers.Count(a => a.Body.Contains("\"status\":\"ok\"", StringComparison.Ordinal)) < 8)
        {
            await Task.Delay(20, guard.Token);
        }

        await marketplace.DisposeAsync();
        Volatile.Write(ref stopped, 1);
        while (answers.Count(a => a.AfterStop) < 8)
        {
            await Task.Delay(20, guard.Token);
        }

        await done.CancelAsync();
        await Task.WhenAll(traffic);
        foreach (var client in clients)
        {
            client.Dispose();
        }

        Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.OK, $"home answered {(int)a.Status}: {a.Body}"));
        var afterStop = answers.Where(a => a.AfterStop).Select(a => JsonDocument.Parse(a.Body).RootElement.Clone()).ToList();
        Assert.All(afterStop, home =>
        {
            AssertUnavailable(home);
            Assert.Single(home.GetProperty("recentProjects").EnumerateArray());
        });
    }

    [Fact]
    public async Task Another_users_projects_never_appear()
    {
        await using var bff = new HomeBff(RefusingUrl());
        using var alice = await bff.CreateClientForAsync("home-alice");
        using var bob = await bff.CreateClientForAsync("home-bob");
        var aliceProject = (await alice.CreateProjectAsync("Alice app")).GetProperty("id").GetString();
        await bob.CreateProjectAsync("Bob app");

        var home = await GetHomeAsync(alice);

        Assert.Equal([aliceProject], home.GetProperty("recentProjects").EnumerateArray().Select(p => p.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task Without_a_token_it_is_401()
    {
        await using var bff = new HomeBff(RefusingUrl());
        using var client = bff.CreateClient();

        using var response = await client.GetAsync("/v1/home", Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task An_unchanged_home_is_304_with_if_none_match_and_a_change_gives_a_new_etag()
    {
        await using var bff = new HomeBff(RefusingUrl());
        using var client = await bff.CreateClientForAsync("home-etag-user");
        using var first = await client.GetAsync("/v1/home", Ct);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/home");
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await client.SendAsync(again, Ct);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        await client.CreateProjectAsync();
        using var changed = new HttpRequestMessage(HttpMethod.Get, "/v1/home");
        changed.Headers.IfNoneMatch.Add(etag);
        using var fresh = await client.SendAsync(changed, Ct);
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.NotEqual(etag, fresh.Headers.ETag);
    }

    [Fact]
    public async Task Projects_and_marketplace_are_fetched_at_the_same_time()
    {
        // Each side waits until the other has started: code that awaited one before starting the
        // other would hold at the first gate until it gives up, and the screen would not be "ok".
        var projectsStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var marketplaceStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var giveUp = TimeSpan.FromSeconds(15);
        await using var marketplace = await StandIn.StartAsync("marketplace", app => app.MapGet("/v1/marketplace/highlights", async () =>
        {
            marketplaceStarted.TrySetResult();
            await projectsStarted.Task.WaitAsync(giveUp);
            return Results.Text(Highlights, "application/json");
        }));
        GatedStore? store = null;
        await using var bff = new HomeBff(marketplace.Url, TimeSpan.FromSeconds(30), inner => (IDocumentStore)(object)(store = GatedStore.Wrap(inner)));
        using var client = await bff.CreateClientForAsync("home-concurrent-user");
        await client.CreateProjectAsync();
        store!.Gate = async () =>
        {
            projectsStarted.TrySetResult();
            try
            {
                await marketplaceStarted.Task.WaitAsync(giveUp);
            }
            catch (TimeoutException)
            {
                throw new TimeoutException($"marketplace never started; stand-in hits {marketplace.Hits}");
            }
        };

        var home = await GetHomeAsync(client);

        Assert.Equal("ok", home.GetProperty("marketplace").GetProperty("status").GetString());
        Assert.Single(home.GetProperty("recentProjects").EnumerateArray());
    }

    [Fact]
    public async Task All_four_downstreams_are_in_flight_at_the_same_time()
    {
        // A barrier over the profile read, both queries and the marketplace call: each holds until
        // all four have started. Code that awaited any of them before starting the next would hold
        // at the first one until it gives up, and the screen would fail or lack its highlights.
        var names = new[] { "profile", "projects", "builds", "marketplace" };
        var reached = names.ToDictionary(n => n, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var giveUp = TimeSpan.FromSeconds(15);
        async Task ArriveAsync(string name)
        {
            reached[name].TrySetResult();
            try
            {
                await Task.WhenAll(reached.Values.Select(r => r.Task)).WaitAsync(giveUp);
            }
            catch (TimeoutException)
            {
                var missing = string.Join(", ", reached.Where(r => !r.Value.Task.IsCompleted).Select(r => r.Key));
                throw new TimeoutException($"{name} waited for {missing}, which never started while it was in flight.");
            }
        }

        var armed = false;
        await using var marketplace = await StandIn.StartAsync("marketplace", app => app.MapGet("/v1/marketplace/highlights", async () =>
        {
            if (Volatile.Read(ref armed))
            {
                await ArriveAsync("marketplace");
            }

            return Results.Text(Highlights, "application/json");
        }));
        GatedStore? store = null;
        await using var bff = new HomeBff(marketplace.Url, TimeSpan.FromSeconds(30), inner => (IDocumentStore)(object)(store = GatedStore.Wrap(inner)));
        using var client = await bff.CreateClientForAsync("home-barrier-user");
        await client.CreateProjectAsync();
        await GetHomeAsync(client); // creates the profile document
        Volatile.Write(ref armed, true);
        store!.GateEach = ArriveAsync;

        var home = await GetHomeAsync(client);

        Assert.All(reached, r => Assert.True(r.Value.Task.IsCompletedSuccessfully, r.Key + " was never reached"));
        Assert.Equal("ok", home.GetProperty("marketplace").GetProperty("status").GetString());
        Assert.Single(home.GetProperty("recentProjects").EnumerateArray());
        Assert.Equal("home-barrier-user", home.GetProperty("profile").GetProperty("uid").GetString());
    }

    private static void AssertUnavailable(JsonElement home)
    {
        Assert.Equal("unavailable", home.GetProperty("marketplace").GetProperty("status").GetString());
        Assert.Empty(home.GetProperty("marketplace").GetProperty("highlights").EnumerateArray());
        Assert.True(home.TryGetProperty("profile", out _));
    }

    private static async Task<JsonElement> GetHomeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/home", Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"home answered {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
