using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LibGit2Sharp;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>Who may do what with builds, bad input, cancel, GitHub failures, webhooks, and a second build.</summary>
public sealed class BuildsApiTests(BuildsFixture fixture) : IClassFixture<BuildsFixture>
{
    private static string Repo(JsonElement build) =>
        build.GetProperty("githubRepo").GetProperty("owner").GetString() + "/" + build.GetProperty("githubRepo").GetProperty("name").GetString();

    [Fact]
    public async Task Another_user_gets_404_and_no_data_and_anonymous_callers_get_401()
    {
        var alice = await fixture.UserWithCredentialsAsync("authz-alice");
        using var bob = await fixture.UserWithCredentialsAsync("authz-bob");
        var projectId = await alice.CreateProjectIdAsync("Private", "com.example.priv");
        var buildId = (await BuildsFixture.StartBuildAsync(alice, projectId)).GetProperty("id").GetString()!;
        var before = await BuildsFixture.WaitForDispatchedAsync(alice, buildId);

        var calls = new (HttpMethod Method, string Path, object? Body)[]
        {
            (HttpMethod.Post, $"/v1/projects/{projectId}/builds", new { track = "internal", releaseStatus = "completed" }),
            (HttpMethod.Get, $"/v1/projects/{projectId}/builds", null),
            (HttpMethod.Get, $"/v1/builds/{buildId}", null),
            (HttpMethod.Get, $"/v1/builds/{buildId}/events", null),
            (HttpMethod.Post, $"/v1/builds/{buildId}/cancel", null),
            (HttpMethod.Get, $"/v1/builds/{buildId}/artifact", null),
        };
        using var anonymous = fixture.Factory.CreateClient();
        foreach (var (method, path, body) in calls)
        {
            using var asBob = await bob.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) }, Ct);
            var problem = await ProblemAssert.IsProblemAsync(asBob, HttpStatusCode.NotFound, "not_found");
            Assert.DoesNotContain(Repo(before), problem.ToString(), StringComparison.Ordinal);
            Assert.DoesNotContain(before.GetProperty("commitSha").GetString()!, problem.ToString(), StringComparison.Ordinal);
            using var asNobody = await anonymous.SendAsync(new HttpRequestMessage(method, path) { Content = body is null ? null : JsonContent.Create(body) }, Ct);
            await ProblemAssert.IsProblemAsync(asNobody, HttpStatusCode.Unauthorized, "unauthorized");
        }

        // The workflow-facing endpoints refuse Firebase tokens: they need the run's OIDC token.
        using (var withFirebaseToken = await alice.PostAsJsonAsync($"/v1/builds/{buildId}/events", new { state = "running", runId = 1 }, Ct))
        {
            await ProblemAssert.IsProblemAsync(withFirebaseToken, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var upload = await alice.PostAsJsonAsync($"/v1/builds/{buildId}/artifact-uploads", new { file = "app-release.aab", runId = 1 }, Ct))
        {
            await ProblemAssert.IsProblemAsync(upload, HttpStatusCode.Unauthorized, "unauthorized");
        }

        var after = await BuildsFixture.GetBuildAsync(alice, buildId);
        Assert.Equal(before.GetProperty("updatedAt").GetDateTimeOffset(), after.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Single((await alice.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}/builds", Ct)).GetProperty("builds").EnumerateArray());
        Assert.Empty((await bob.GetFromJsonAsync<JsonElement>("/v1/home", Ct)).GetProperty("recentBuilds").EnumerateArray());
        Assert.Single((await alice.GetFromJsonAsync<JsonElement>("/v1/home", Ct)).GetProperty("recentBuilds").EnumerateArray());
        alice.Dispose();
    }

    [Theory]
    [InlineData("""{"track":"Internal Track"}""", "track")]
    [InlineData("""{"releaseStatus":"published"}""", "releaseStatus")]
    [InlineData("""{"releaseStatus":"inProgress"}""", "rolloutFraction")]
    [InlineData("""{"releaseStatus":"inProgress","rolloutFraction":1.5}""", "rolloutFraction")]
    [InlineData("""{"releaseStatus":"completed","rolloutFraction":0.5}""", "rolloutFraction")]
    [InlineData("""{"versionCode":0}""", "versionCode")]
    [InlineData("""{"versionCode":2100000001}""", "versionCode")]
    [InlineData("""{"versionName":""}""", "versionName")]
    [InlineData("""{"versionName":"   "}""", "versionName")]
    [InlineData("""{"versionName":"1.0\n2"}""", "versionName")]
    [InlineData("""{"versionName":"1.0\u200B"}""", "versionName")]
    [InlineData("""{"versionName":"12345678901234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901"}""", "versionName")]
    [InlineData("""{"releaseStatus":"inProgress","rolloutFraction":0.0000001}""", "rolloutFraction")]
    [InlineData("""{"releaseStatus":"inProgress","rolloutFraction":0.9999999}""", "rolloutFraction")]
    [InlineData("""{"releaseStatus":"inProgress","rolloutFraction":0.12345678}""", "rolloutFraction")]
    public async Task Bad_build_requests_get_a_validation_problem_and_create_nothing(string body, string field)
    {
        using var client = await fixture.UserWithCredentialsAsync("validate-" + field.ToLowerInvariant() + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..12]);
        var projectId = await client.CreateProjectIdAsync("Valid", "com.example.valid");
        using var response = await client.PostAsync($"/v1/projects/{projectId}/builds", Json(body), Ct);
        await ProblemAssert.IsValidationProblemAsync(response, field);
        using var unknown = await client.PostAsync($"/v1/projects/{projectId}/builds", Json("""{"track":"internal","branch":"dev"}"""), Ct);
        await ProblemAssert.IsClientProblemAsync(unknown);
        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}/builds", Ct)).GetProperty("builds").EnumerateArray());
    }

    [Fact]
    public async Task A_missing_credential_is_named_and_a_second_build_waits_for_the_first()
    {
        using var client = await fixture.Factory.CreateClientForAsync("no-play");
        using (var put = await client.PutAsJsonAsync("/v1/me/credentials/github", new { token = fixture.GitHub.AcceptedToken }, Ct))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        var projectId = await client.CreateProjectIdAsync("Creds", "com.example.creds");
        using (var response = await client.PostAsJsonAsync($"/v1/projects/{projectId}/builds", new { track = "internal" }, Ct))
        {
            var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnprocessableEntity, "credential_missing");
            Assert.Equal("keystore", problem.GetProperty("credential").GetString());
        }

        Assert.Empty((await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}/builds", Ct)).GetProperty("builds").EnumerateArray());

        using var ready = await fixture.UserWithCredentialsAsync("two-builds");
        var readyProject = await ready.CreateProjectIdAsync("Twice", "com.example.twice");
        var first = (await BuildsFixture.StartBuildAsync(ready, readyProject)).GetProperty("id").GetString()!;
        using (var second = await ready.PostAsJsonAsync($"/v1/projects/{readyProject}/builds", new { track = "internal" }, Ct))
        {
            var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.Conflict, "conflict");
            Assert.Equal(first, problem.GetProperty("buildId").GetString());
        }
    }

    [Fact]
    public async Task Cancelling_stops_the_build_and_its_run_and_later_reports_change_nothing()
    {
        using var client = await fixture.UserWithCredentialsAsync("cancel-carol");
        var projectId = await client.CreateProjectIdAsync("Cancel Me", "com.example.cancel");
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForDispatchedAsync(client, buildId);
        var repo = Repo(build);
        const long runId = 4242;
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "running", runId }), "running", applied: true);

        using (var cancel = await client.PostAsync($"/v1/builds/{buildId}/cancel", null, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
            Assert.Equal("cancelled", (await cancel.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("state").GetString());
        }

        Assert.Contains((repo, runId), fixture.GitHub.Cancels);
        using (var again = await client.PostAsync($"/v1/builds/{buildId}/cancel", null, Ct))
        {
            await ProblemAssert.IsProblemAsync(again, HttpStatusCode.Conflict, "conflict");
        }

        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "succeeded", runId }), "cancelled", applied: false);
        var events = await BuildReports.ReadEventsAsync(client, buildId, lastEventId: null);
        Assert.Equal(["queued", "pushing", "running", "cancelled"], events.Select(e => e.State));
        var project = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}", Ct);
        Assert.Equal("cancelled", project.GetProperty("lastBuild").GetProperty("state").GetString());
    }

    [Fact]
    public async Task An_expired_github_token_fails_the_build_with_what_to_do()
    {
        using var client = await fixture.UserWithCredentialsAsync("expired-dave", githubToken: "ghp_expired_token_0000");
        var projectId = await client.CreateProjectIdAsync("Expired", "com.example.expired");
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var failed = await BuildsFixture.WaitForAsync(client, buildId, b => b.GetProperty("state").GetString() == "failed");
        var error = failed.GetProperty("error");
        Assert.Equal("repository", error.GetProperty("step").GetString());
        Assert.Equal(BuildErrors.GitHubTokenInvalid, error.GetProperty("code").GetString());
        Assert.Contains("Credentials → GitHub", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("ghp_expired", failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_token_github_forbids_fails_the_build_naming_the_workflows_and_webhooks_permissions()
    {
        const string readOnly = "github_pat_read_only_0002";
        fixture.GitHub.ForbiddenTokens[readOnly] = true;
        using var client = await fixture.UserWithCredentialsAsync("forbidden-hal", githubToken: readOnly);
        var projectId = await client.CreateProjectIdAsync("Forbidden", "com.example.forbidden");
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var failed = await BuildsFixture.WaitForAsync(client, buildId, b => b.GetProperty("state").GetString() == "failed");
        var error = failed.GetProperty("error");
        Assert.Equal(BuildErrors.GitHubPermissionDenied, error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("read and write access to Administration, Contents, Secrets, Actions, Workflows (to push .github/workflows) and Webhooks", message, StringComparison.Ordinal);
        Assert.DoesNotContain(readOnly, failed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_repository_name_taken_on_github_fails_the_build_with_what_to_do()
    {
        using var client = await fixture.UserWithCredentialsAsync("taken-erin");
        var projectId = await client.CreateProjectIdAsync("Taken App", "com.example.taken");
        fixture.GitHub.ForeignRepos["taken-app-" + projectId[..8].ToLowerInvariant()] = true;
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var failed = await BuildsFixture.WaitForAsync(client, buildId, b => b.GetProperty("state").GetString() == "failed");
        Assert.Equal(BuildErrors.GitHubRepoNameTaken, failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("already exists", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.GitHub.Dispatches, d => d.Body.GetProperty("inputs").GetProperty("build_id").GetString() == buildId);
    }

    [Fact]
    public async Task A_second_build_adds_one_commit_and_its_release_notes_start_after_the_last_published_one()
    {
        using var client = await fixture.UserWithCredentialsAsync("second-frank");
        var projectId = await client.CreateProjectIdAsync("Second", "com.example.second");
        var firstId = (await BuildsFixture.StartBuildAsync(client, projectId, new { track = "internal", message = "First release" })).GetProperty("id").GetString()!;
        var first = await BuildsFixture.WaitForDispatchedAsync(client, firstId);
        var repo = Repo(first);
        Assert.Equal("", (await fixture.GitHub.DispatchOf(firstId)).GetProperty("inputs").GetProperty("notes_since").GetString());
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(firstId, fixture.Token(repo, 1), new { state = "succeeded", runId = 1 }), "succeeded", applied: true);

        var secondId = (await BuildsFixture.StartBuildAsync(client, projectId, new { track = "internal", message = "Second release", versionCode = 30 })).GetProperty("id").GetString()!;
        var second = await BuildsFixture.WaitForDispatchedAsync(client, secondId);
        var inputs = (await fixture.GitHub.DispatchOf(secondId)).GetProperty("inputs");
        Assert.Equal(first.GetProperty("commitSha").GetString(), inputs.GetProperty("notes_since").GetString());
        Assert.Equal("30", inputs.GetProperty("version_code").GetString());
        Assert.Equal(repo, Repo(second));

        using var bare = new Repository(fixture.GitHub.BareRepositoryPath(repo.Split('/')[0], repo.Split('/')[1]));
        var tip = bare.Branches["main"].Tip;
        Assert.Equal(second.GetProperty("commitSha").GetString(), tip.Sha);
        Assert.Equal(first.GetProperty("commitSha").GetString(), Assert.Single(tip.Parents).Sha);
        Assert.Empty(tip.Parents.Single().Parents);
    }

    [Fact]
    public async Task A_webhook_closes_a_run_that_died_silently_once_and_only_when_signed()
    {
        using var client = await fixture.UserWithCredentialsAsync("webhook-gina");
        var projectId = await client.CreateProjectIdAsync("Silent", "com.example.silent");
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForDispatchedAsync(client, buildId);
        var payload = JsonSerializer.Serialize(new
        {
            action = "completed",
            workflow_run = new { id = 5151L, display_title = "PocketCode build " + buildId, conclusion = "failure", status = "completed" },
            repository = new { full_name = Repo(build) },
        });

        using var anonymous = fixture.Factory.CreateClient();
        async Task<HttpResponseMessage> SendAsync(string delivery, string body, string? signature)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/github/webhooks") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-GitHub-Event", "workflow_run");
            request.Headers.Add("X-GitHub-Delivery", delivery);
            request.Headers.Add("X-Hub-Signature-256", signature ?? "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(BuildsFixture.WebhookSecret), Encoding.UTF8.GetBytes(body))));
            return await anonymous.SendAsync(request, Ct);
        }

        using (var forged = await SendAsync("d-forged", payload, "sha256=" + new string('0', 64)))
        {
            await ProblemAssert.IsProblemAsync(forged, HttpStatusCode.Unauthorized, "unauthorized");
        }

        using (var tampered = await SendAsync("d-tampered", payload.Replace("failure", "success", StringComparison.Ordinal), "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(BuildsFixture.WebhookSecret), Encoding.UTF8.GetBytes(payload)))))
        {
            await ProblemAssert.IsProblemAsync(tampered, HttpStatusCode.Unauthorized, "unauthorized");
        }

        Assert.Equal("pushing", (await BuildsFixture.GetBuildAsync(client, buildId)).GetProperty("state").GetString());

        var delivery = Guid.NewGuid().ToString();
        using (var accepted = await SendAsync(delivery, payload, null))
        {
            var outcome = await accepted.Content.ReadFromJsonAsync<JsonElement>(Ct);
            Assert.Equal("closed", outcome.GetProperty("outcome").GetString());
        }

        var failed = await BuildsFixture.GetBuildAsync(client, buildId);
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.Equal(BuildErrors.WorkflowVanished, failed.GetProperty("error").GetProperty("code").GetString());
        using (var replay = await SendAsync(delivery, payload, null))
        {
            Assert.Equal("duplicate", (await replay.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("outcome").GetString());
        }

        Assert.Equal(failed.GetProperty("updatedAt").GetDateTimeOffset(), (await BuildsFixture.GetBuildAsync(client, buildId)).GetProperty("updatedAt").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("Error: Package not found: com.example.app", BuildErrors.AppNotCreated, "first upload")]
    [InlineData("googleapi: Error 403: The caller does not have permission, forbidden", BuildErrors.PlayPermissionDenied, "Users and permissions")]
    [InlineData("Version code 12 has already been used.", BuildErrors.VersionCodeUsed, "next build will use a higher one (13 or more)")]
    [InlineData("Only releases with status draft may be created on draft app.", BuildErrors.DraftAppOnly, "releaseStatus 'draft'")]
    [InlineData("Execution failed for task ':app:compileReleaseKotlin'.", BuildErrors.WorkflowFailed, "compileReleaseKotlin")]
    public void Play_and_build_failures_become_messages_that_say_what_to_do(string reported, string code, string advice)
    {
        var error = BuildErrors.FromWorkflow("publish", reported, 12);
        Assert.Equal(code, error.Code);
        Assert.Equal("publish", error.Step);
        Assert.Contains(advice, error.Message, StringComparison.Ordinal);
    }
}
