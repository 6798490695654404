using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Version codes from the owner's counter per application id, the version name, the recovery
/// when Play reports a code as used, and the outcome link of each track and release status; on
/// SQLite and on the Firestore emulator (the counter is a transaction next to the build's).
/// </summary>
public abstract class VersionCodeTestsBase<TFixture>(TFixture fixture)
    where TFixture : BuildsFixture
{
    private static string Prefix => typeof(TFixture).Name.StartsWith("Firestore", StringComparison.Ordinal) ? "fs-" : "sq-";

    private static string Repo(JsonElement build) =>
        build.GetProperty("githubRepo").GetProperty("owner").GetString() + "/" + build.GetProperty("githubRepo").GetProperty("name").GetString();

    /// <summary>Starts a build, waits for its dispatch and returns (build as dispatched, dispatch inputs).</summary>
    private async Task<(JsonElement Build, JsonElement Inputs)> DispatchedAsync(HttpClient client, string projectId, object? body = null)
    {
        var id = (await BuildsFixture.StartBuildAsync(client, projectId, body)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForDispatchedAsync(client, id);
        return (build, (await fixture.GitHub.DispatchOf(id)).GetProperty("inputs"));
    }

    private static async Task CancelAsync(HttpClient client, JsonElement build)
    {
        using var cancel = await client.PostAsync($"/v1/builds/{build.GetProperty("id").GetString()}/cancel", null, Ct);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
    }

    private static async Task<int> BuildCountAsync(HttpClient client, string projectId) =>
        (await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}/builds", Ct)).GetProperty("builds").GetArrayLength();

    [Fact]
    public async Task Codes_grow_per_owner_and_application_id_and_a_new_repository_does_not_reset_them()
    {
        using var alice = await fixture.UserWithCredentialsAsync(Prefix + "vc-alice");
        var projectId = await alice.CreateProjectIdAsync("Counter", "com.example.counter");

        // The first build gets 1 and the default name, fixed before the dispatch and sent with it.
        var (first, inputs) = await DispatchedAsync(alice, projectId);
        Assert.Equal(1, first.GetProperty("versionCode").GetInt64());
        Assert.Equal("1.0.1", first.GetProperty("versionName").GetString());
        Assert.Equal("1", inputs.GetProperty("version_code").GetString());
        await CancelAsync(alice, first);

        var (second, secondInputs) = await DispatchedAsync(alice, projectId);
        Assert.Equal(2, second.GetProperty("versionCode").GetInt64());
        Assert.Equal("2", secondInputs.GetProperty("version_code").GetString());
        await CancelAsync(alice, second);

        // An explicit code at or below the highest given is refused, naming the next allowed one, and creates nothing.
        foreach (var low in new[] { 1L, 2L })
        {
            using var refused = await alice.PostAsJsonAsync($"/v1/projects/{projectId}/builds", new { track = "internal", versionCode = low }, Ct);
            var problem = await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Conflict, VersionCodes.TooLow);
            Assert.Equal(3, problem.GetProperty("nextVersionCode").GetInt64());
            Assert.Contains("Use 3 or more", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(2, await BuildCountAsync(alice, projectId));

        // A higher explicit code and name are taken as asked, and the counter moves to it.
        var (explicitBuild, _) = await DispatchedAsync(alice, projectId, new { track = "internal", versionCode = 40, versionName = "2.0 beta" });
        Assert.Equal(40, explicitBuild.GetProperty("versionCode").GetInt64());
        Assert.Equal("2.0 beta", explicitBuild.GetProperty("versionName").GetString());
        await CancelAsync(alice, explicitBuild);

        // A new project with the same application id (its own, new repository) continues the count.
        var again = await alice.CreateProjectIdAsync("Counter Again", "com.example.counter");
        var (fresh, freshInputs) = await DispatchedAsync(alice, again);
        Assert.NotEqual(Repo(explicitBuild), Repo(fresh));
        Assert.Equal(41, fresh.GetProperty("versionCode").GetInt64());
        Assert.Equal("1.0.41", fresh.GetProperty("versionName").GetString());
        Assert.Equal("41", freshInputs.GetProperty("version_code").GetString());

        // Another user's app with the same id has its own count, and never moves alice's.
        using var bob = await fixture.UserWithCredentialsAsync(Prefix + "vc-bob");
        var bobProject = await bob.CreateProjectIdAsync("Counter", "com.example.counter");
        var (bobs, _) = await DispatchedAsync(bob, bobProject, new { track = "internal", versionCode = 500 });
        Assert.Equal(500, bobs.GetProperty("versionCode").GetInt64());
        await CancelAsync(alice, fresh);
        var (next, _) = await DispatchedAsync(alice, again);
        Assert.Equal(42, next.GetProperty("versionCode").GetInt64());
    }

    [Fact]
    public async Task A_code_play_refused_fails_the_build_with_that_code_and_the_next_build_gets_a_higher_one()
    {
        using var client = await fixture.UserWithCredentialsAsync(Prefix + "vc-used");
        var projectId = await client.CreateProjectIdAsync("Used", "com.example.used");
        var (build, _) = await DispatchedAsync(client, projectId);
        var buildId = build.GetProperty("id").GetString()!;
        var repo = Repo(build);
        const long runId = 31337;
        var token = fixture.Token(repo, runId);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "publishing", runId }), "publishing", applied: true);

        // Bad reports: an unknown errorCode, version_code_used on a state that is not failed or
        // without a valid code; and a good one from another repository. None changes anything.
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, token, new { state = "failed", runId, errorCode = "disk_full", versionCode = 900 }), "errorCode");
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, token, new { state = "succeeded", runId, errorCode = "version_code_used", versionCode = 900 }), "errorCode");
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, token, new { state = "failed", runId, errorCode = "version_code_used" }), "errorCode");
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, token, new { state = "failed", runId, errorCode = "version_code_used", versionCode = 0 }), "errorCode");
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, token, new { state = "failed", runId, errorCode = "version_code_used", versionCode = VersionCodes.Max + 1 }), "errorCode");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token("mallory/evil-app", runId), new { state = "failed", runId, errorCode = "version_code_used", versionCode = 900 }), HttpStatusCode.Forbidden, "forbidden");
        Assert.Equal("publishing", (await BuildsFixture.GetBuildAsync(client, buildId)).GetProperty("state").GetString());

        // Play refused code 57 (uploaded by hand before PocketCode built this app).
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new
        {
            state = "failed",
            runId,
            step = "publish",
            message = "Version code 57 has already been used.",
            errorCode = "version_code_used",
            versionCode = 57,
        }), "failed", applied: true);
        var failed = await BuildsFixture.GetBuildAsync(client, buildId);
        var error = failed.GetProperty("error");
        Assert.Equal(BuildErrors.VersionCodeUsed, error.GetProperty("code").GetString());
        Assert.Equal("publish", error.GetProperty("step").GetString());
        Assert.Contains("version code 57", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("next build will use a higher one (58 or more)", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, failed.GetProperty("versionCode").GetInt64());

        // The same report again (a retry) moves nothing further; the next build gets 58.
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "failed", runId, errorCode = "version_code_used", versionCode = 57 }), "failed", applied: false);
        var (next, inputs) = await DispatchedAsync(client, projectId);
        Assert.Equal(58, next.GetProperty("versionCode").GetInt64());
        Assert.Equal("58", inputs.GetProperty("version_code").GetString());
        await CancelAsync(client, next);

        // A refusal of a code below the counter does not move it down.
        var nextId = next.GetProperty("id").GetString()!;
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(nextId, fixture.Token(Repo(next), runId + 1), new { state = "failed", runId = runId + 1, errorCode = "version_code_used", versionCode = 3 }), "cancelled", applied: false);
        Assert.Equal(59, (await DispatchedAsync(client, projectId)).Build.GetProperty("versionCode").GetInt64());
    }

    [Theory]
    [MemberData(nameof(OutcomeCases.All), MemberType = typeof(OutcomeCases))]
    public async Task A_succeeded_build_links_to_what_it_really_published(string track, string releaseStatus, double? fraction, string kind, string url)
    {
        using var client = await fixture.UserWithCredentialsAsync($"{Prefix}links-{track}-{releaseStatus}");
        var projectId = await client.CreateProjectIdAsync("Links", "com.example.links");
        var (build, inputs) = await DispatchedAsync(client, projectId, new { track, releaseStatus, rolloutFraction = fraction });
        if (fraction is { } f)
        {
            // The fraction sent is the one asked for, digit for digit (0.00004 was once sent as "0").
            Assert.Equal(f, double.Parse(inputs.GetProperty("rollout_fraction").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        }

        var buildId = build.GetProperty("id").GetString()!;
        Assert.Equal(JsonValueKind.Null, build.GetProperty("outcomeLink").ValueKind);
        const long runId = 4040;
        var token = fixture.Token(Repo(build), runId);
        using var sse = await fixture.Factory.CreateClientForAsync($"{Prefix}links-{track}-{releaseStatus}");
        var stream = BuildReports.ReadEventsAsync(sse, buildId, lastEventId: null);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "publishing", runId }), "publishing", applied: true);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "succeeded", runId }), "succeeded", applied: true);

        var done = await BuildsFixture.GetBuildAsync(client, buildId);
        var link = done.GetProperty("outcomeLink");
        Assert.Equal(kind, link.GetProperty("kind").GetString());
        Assert.Equal(url, link.GetProperty("url").GetString());
        var label = link.GetProperty("label").GetString()!;
        if (kind == OutcomeKinds.Draft)
        {
            Assert.StartsWith("Draft, not yet published", label, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain("draft", label, StringComparison.OrdinalIgnoreCase);
        }

        if (fraction is { } staged)
        {
            Assert.Contains((staged * 100).ToString("0.####", System.Globalization.CultureInfo.InvariantCulture) + "% of", label, StringComparison.Ordinal);
        }

        // playListingUrl only for a public listing.
        Assert.Equal(kind == OutcomeKinds.Listing ? url : null, done.GetProperty("playListingUrl").GetString());
        var events = await stream.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        var last = events[^1].Data;
        Assert.Equal("succeeded", events[^1].State);
        Assert.Equal(link.GetRawText(), last.GetProperty("outcomeLink").GetRawText());
        Assert.Equal(kind == OutcomeKinds.Listing ? url : null, last.GetProperty("playListingUrl").GetString());
        Assert.All(events.SkipLast(1), e => Assert.Equal(JsonValueKind.Null, e.Data.GetProperty("outcomeLink").ValueKind));
    }
}

/// <summary>Every track kind with every release status, and the link each must give.</summary>
public static class OutcomeCases
{
    public static TheoryData<string, string, double?, string, string> All => new()
    {
        { "production", "completed", null, OutcomeKinds.Listing, "https://play.google.com/store/apps/details?id=com.example.links" },
        { "production", "inProgress", 0.99996, OutcomeKinds.Listing, "https://play.google.com/store/apps/details?id=com.example.links" },
        { "production", "draft", null, OutcomeKinds.Draft, "https://play.google.com/console" },
        { "beta", "completed", null, OutcomeKinds.OpenTesting, "https://play.google.com/apps/testing/com.example.links" },
        { "beta", "inProgress", 0.00004, OutcomeKinds.OpenTesting, "https://play.google.com/apps/testing/com.example.links" },
        { "alpha", "completed", null, OutcomeKinds.ClosedTesting, "https://play.google.com/apps/testing/com.example.links" },
        { "qa-team", "completed", null, OutcomeKinds.ClosedTesting, "https://play.google.com/apps/testing/com.example.links" },
        { "alpha", "draft", null, OutcomeKinds.Draft, "https://play.google.com/console" },
        { "internal", "completed", null, OutcomeKinds.InternalTesting, "https://play.google.com/console" },
        { "internal", "draft", null, OutcomeKinds.Draft, "https://play.google.com/console" },
    };
}

public sealed class VersionCodeTests(BuildsFixture fixture) : VersionCodeTestsBase<BuildsFixture>(fixture), IClassFixture<BuildsFixture>;

public sealed class FirestoreVersionCodeTests(FirestoreBuildsFixture fixture) : VersionCodeTestsBase<FirestoreBuildsFixture>(fixture), IClassFixture<FirestoreBuildsFixture>;
