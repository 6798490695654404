using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using LibGit2Sharp;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Accounts.Credentials;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The pipeline end to end: the BFF creates the repository, pushes with git to a real bare
/// repository, seals the secrets and dispatches; reports signed by a local OIDC issuer drive the
/// build to succeeded while an SSE client watches; bad tokens and replays change nothing.
/// </summary>
public abstract class BuildPipelineTestsBase<TFixture>(TFixture fixture)
    where TFixture : BuildsFixture
{
    [Fact]
    public async Task A_build_is_pushed_dispatched_reported_and_streamed_to_success()
    {
        var client = await fixture.UserWithCredentialsAsync("pipeline-alice");
        var projectId = await client.CreateProjectIdAsync("Weather Now", "com.example.weather");
        using (var put = await client.PutFileAsync(projectId, "app/src/main/java/com/example/weather/Extra.kt", "package com.example.weather\n"))
        {
            Assert.True(put.IsSuccessStatusCode);
        }

        var queued = await BuildsFixture.StartBuildAsync(client, projectId, new { track = "beta", releaseStatus = "inProgress", rolloutFraction = 0.2, message = "Add the forecast screen" });
        Assert.Equal("queued", queued.GetProperty("state").GetString());
        var buildId = queued.GetProperty("id").GetString()!;

        // Dispatch: the workflow of the template, on main, with the build id and the build's choices.
        var build = await BuildsFixture.WaitForDispatchedAsync(client, buildId);
        var dispatch = await fixture.GitHub.DispatchOf(buildId).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        var (repo, workflow, _) = fixture.GitHub.Dispatches.Single(d => d.Body.GetProperty("inputs").GetProperty("build_id").GetString() == buildId);
        Assert.Equal("android-publish.yml", workflow);
        Assert.Equal("main", dispatch.GetProperty("ref").GetString());
        var inputs = dispatch.GetProperty("inputs");
        Assert.Equal("beta", inputs.GetProperty("track").GetString());
        Assert.Equal("inProgress", inputs.GetProperty("release_status").GetString());
        Assert.Equal("0.2", inputs.GetProperty("rollout_fraction").GetString());
        Assert.Equal("com.example.weather", inputs.GetProperty("application_id").GetString());
        // The first build of the app: version code 1, fixed on the build and sent with the dispatch.
        Assert.Equal("1", inputs.GetProperty("version_code").GetString());
        Assert.Equal(1, build.GetProperty("versionCode").GetInt64());
        Assert.Equal("1.0.1", build.GetProperty("versionName").GetString());
        Assert.Equal("1.0.1", inputs.GetProperty("version_name").GetString());
        Assert.Equal(BuildsFixture.Audience, inputs.GetProperty("audience").GetString());
        Assert.Equal(BuildsFixture.Audience, inputs.GetProperty("bff_url").GetString());

        // Repository: created private under the token's user, bound to the project and the build.
        var created = fixture.GitHub.CreatedRepos[repo];
        Assert.True(created.GetProperty("private").GetBoolean());
        // ...and subscribed to its workflow_run webhooks, signed with the BFF's secret.
        var hook = fixture.GitHub.Hooks[repo];
        Assert.Equal(["workflow_run"], hook.GetProperty("events").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(BuildsFixture.Audience + "/v1/github/webhooks", hook.GetProperty("config").GetProperty("url").GetString());
        Assert.Equal(BuildsFixture.WebhookSecret, hook.GetProperty("config").GetProperty("secret").GetString());
        Assert.Equal(repo, $"{build.GetProperty("githubRepo").GetProperty("owner").GetString()}/{build.GetProperty("githubRepo").GetProperty("name").GetString()}");
        var project = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}", Ct);
        Assert.Equal(repo.Split('/')[1], project.GetProperty("githubRepo").GetProperty("name").GetString());

        // Git: one commit on main with the message, the project's files and the workflow.
        using (var bare = new Repository(fixture.GitHub.BareRepositoryPath(repo.Split('/')[0], repo.Split('/')[1])))
        {
            var head = bare.Branches["main"].Tip;
            Assert.Equal(build.GetProperty("commitSha").GetString(), head.Sha);
            Assert.StartsWith("Add the forecast screen", head.Message, StringComparison.Ordinal);
            Assert.Contains("PocketCode-Build: " + buildId, head.Message, StringComparison.Ordinal);
            Assert.NotNull(head[".github/workflows/android-publish.yml"]);
            Assert.NotNull(head["settings.gradle.kts"]);
            Assert.Equal("package com.example.weather\n", ((Blob)head["app/src/main/java/com/example/weather/Extra.kt"].Target).GetContentText());
            var template = await File.ReadAllTextAsync(NpmFolder.InRepository("user-project-template", ".github", "workflows", "android-publish.yml"), Ct);
            Assert.Equal(template, ((Blob)head[".github/workflows/android-publish.yml"].Target).GetContentText());
        }

        // Secrets: every one the workflow reads, sealed to the repository's key, opening to the vault's values.
        var vault = fixture.Factory.Services.GetRequiredService<CredentialVault>();
        var keystore = (await vault.GetSecretAsync("pipeline-alice", CredentialKinds.Keystore, Ct))!;
        var play = (await vault.GetSecretAsync("pipeline-alice", CredentialKinds.Play, Ct))!;
        var expected = new Dictionary<string, string>
        {
            ["ANDROID_KEYSTORE_BASE64"] = keystore["keystore"].Reveal(),
            ["ANDROID_KEYSTORE_TYPE"] = keystore["format"].Reveal(),
            ["ANDROID_KEYSTORE_PASSWORD"] = keystore["storePassword"].Reveal(),
            ["ANDROID_KEY_ALIAS"] = "upload",
            ["ANDROID_KEY_PASSWORD"] = keystore["keyPassword"].Reveal(),
            ["PLAY_SERVICE_ACCOUNT_JSON"] = play["serviceAccountJson"].Reveal(),
        };
        foreach (var (name, value) in expected)
        {
            var (encrypted, keyId) = fixture.GitHub.Secrets[(repo, name)];
            Assert.Equal(GitHubStandIn.SecretKeyId, keyId);
            Assert.Equal(value, fixture.GitHub.Decrypt(encrypted));
        }

        // An SSE client follows the build while the workflow reports.
        using var sseClient = await fixture.Factory.CreateClientForAsync("pipeline-alice");
        var stream = BuildReports.ReadEventsAsync(sseClient, buildId, lastEventId: null);

        const long runId = 90001;
        var token = fixture.Token(repo, runId);
        foreach (var state in new[] { "running", "signing" })
        {
            await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state, runId, step = state }), state, applied: true);
        }

        // The workflow uploads its artifacts through signed URLs handed to its OIDC token.
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "uploading", runId }), "uploading", applied: true);
        var aab = new byte[] { 0x50, 0x4b, 0x03, 0x04, 1, 2, 3, 4, 5 };
        await UploadAsync(buildId, token, runId, "app-release.aab", aab);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "publishing", runId, releaseNotes = "• Add the forecast screen" }), "publishing", applied: true);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state = "succeeded", runId, versionCode = 7 }), "succeeded", applied: true);

        var events = await stream.WaitAsync(TimeSpan.FromMinutes(1), Ct);
        Assert.Equal(["queued", "pushing", "running", "signing", "uploading", "publishing", "succeeded"], events.Select(e => e.State));
        Assert.Equal([1L, 2, 3, 4, 5, 6, 7], events.Select(e => e.Id));
        // Open testing (beta): the testers' opt-in page, not a store listing.
        Assert.Equal("https://play.google.com/apps/testing/com.example.weather", events[^1].Data.GetProperty("outcomeLink").GetProperty("url").GetString());
        Assert.Equal(JsonValueKind.Null, events[^1].Data.GetProperty("playListingUrl").ValueKind);

        var done = await BuildsFixture.GetBuildAsync(client, buildId);
        Assert.Equal("succeeded", done.GetProperty("state").GetString());
        Assert.Equal(runId, done.GetProperty("workflowRunId").GetInt64());
        // The report's versionCode cannot change the code the BFF gave the build.
        Assert.Equal(1, done.GetProperty("versionCode").GetInt64());
        Assert.Equal("• Add the forecast screen", done.GetProperty("releaseNotes").GetString());
        Assert.Equal("openTesting", done.GetProperty("outcomeLink").GetProperty("kind").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("playListingUrl").ValueKind);
        var lastBuild = (await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}", Ct)).GetProperty("lastBuild");
        Assert.Equal(buildId, lastBuild.GetProperty("buildId").GetString());
        Assert.Equal("succeeded", lastBuild.GetProperty("state").GetString());

        // Replays change nothing: not the state, not the history, not the document.
        foreach (var state in new[] { "signing", "succeeded", "failed", "running" })
        {
            await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, token, new { state, runId, message = "late" }), "succeeded", applied: false);
        }

        var after = await BuildsFixture.GetBuildAsync(client, buildId);
        Assert.Equal(done.GetProperty("updatedAt").GetDateTimeOffset(), after.GetProperty("updatedAt").GetDateTimeOffset());
        Assert.Equal(done.GetProperty("history").GetRawText(), after.GetProperty("history").GetRawText());

        // A client resuming with Last-Event-ID gets only what it missed (here: nothing but the end).
        var resumed = await BuildReports.ReadEventsAsync(sseClient, buildId, lastEventId: 5).WaitAsync(TimeSpan.FromMinutes(1), Ct);
        Assert.Equal(["publishing", "succeeded"], resumed.Select(e => e.State));

        // The artifact: a short-lived signed URL that serves the uploaded bytes.
        var artifact = await client.GetFromJsonAsync<JsonElement>($"/v1/builds/{buildId}/artifact", Ct);
        Assert.Equal("app-release.aab", artifact.GetProperty("file").GetString());
        var url = new Uri(artifact.GetProperty("url").GetString()!);
        using var anonymous = fixture.Factory.CreateClient();
        Assert.Equal(aab, await anonymous.GetByteArrayAsync(url.PathAndQuery, Ct));

        // The builds list of the project shows it.
        var list = await client.GetFromJsonAsync<JsonElement>($"/v1/projects/{projectId}/builds", Ct);
        Assert.Equal(buildId, list.GetProperty("builds")[0].GetProperty("id").GetString());
    }

    [Fact]
    public async Task Reports_with_a_bad_token_or_from_another_run_are_rejected_and_change_nothing()
    {
        var client = await fixture.UserWithCredentialsAsync("pipeline-bob");
        var projectId = await client.CreateProjectIdAsync("Tokens", "com.example.tokens");
        var buildId = (await BuildsFixture.StartBuildAsync(client, projectId)).GetProperty("id").GetString()!;
        var build = await BuildsFixture.WaitForDispatchedAsync(client, buildId);
        var repo = build.GetProperty("githubRepo").GetProperty("owner").GetString() + "/" + build.GetProperty("githubRepo").GetProperty("name").GetString();
        const long runId = 777;
        var report = new { state = "running", runId };

        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, null, report), HttpStatusCode.Unauthorized, "unauthorized");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId, c => c["aud"] = "https://someone-else.example"), report), HttpStatusCode.Unauthorized, "unauthorized");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId, c =>
        {
            c["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
            c["nbf"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds();
            c["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds();
        }), report), HttpStatusCode.Unauthorized, "unauthorized");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, TestOidcIssuer.UnsignedToken(fixture.Oidc.Claims(repo, runId, BuildsFixture.Audience)), report), HttpStatusCode.Unauthorized, "unauthorized");
        using (var otherKey = System.Security.Cryptography.RSA.Create(2048))
        {
            await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Oidc.Sign(fixture.Oidc.Claims(repo, runId, BuildsFixture.Audience), otherKey), report), HttpStatusCode.Unauthorized, "unauthorized");
        }

        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId, c => c["iss"] = "https://token.actions.githubusercontent.com"), report), HttpStatusCode.Unauthorized, "unauthorized");
        // A valid token of another repository, and a body claiming another run than the token's.
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token("mallory/evil-app", runId), report), HttpStatusCode.Forbidden, "forbidden");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "running", runId = runId + 1 }), HttpStatusCode.Forbidden, "forbidden");
        // Bad bodies from a good caller.
        await ProblemAssert.IsValidationProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "queued", runId }), "state");
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "running", runId, extra = 1 }), HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync("AAAAAAAAAAAAAAAAAAAA", fixture.Token(repo, runId), report), HttpStatusCode.NotFound, "not_found");

        var unchanged = await BuildsFixture.GetBuildAsync(client, buildId);
        Assert.Equal("pushing", unchanged.GetProperty("state").GetString());
        Assert.Equal(build.GetProperty("history").GetRawText(), unchanged.GetProperty("history").GetRawText());
        Assert.Equal(JsonValueKind.Null, unchanged.GetProperty("workflowRunId").ValueKind);

        // The first good report binds the run; another run of the same repository is refused after that.
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), report), "running", applied: true);
        await ProblemAssert.IsProblemAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId + 5), new { state = "signing", runId = runId + 5 }), HttpStatusCode.Forbidden, "forbidden");
        // Out of order: a later state first, then the earlier one is harmless.
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "uploading", runId }), "uploading", applied: true);
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new { state = "signing", runId }), "uploading", applied: false);

        // A failure report becomes an error that says what to do.
        await BuildReports.ExpectAppliedAsync(await fixture.ReportAsync(buildId, fixture.Token(repo, runId), new
        {
            state = "failed",
            runId,
            step = "publish",
            message = "##[error]Version code 12 has already been used.",
            versionCode = 12,
        }), "failed", applied: true);
        var failed = await BuildsFixture.GetBuildAsync(client, buildId);
        Assert.Equal("version_code_used", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("publish", failed.GetProperty("error").GetProperty("step").GetString());
        Assert.Contains("next build will use a higher one", failed.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private async Task UploadAsync(string buildId, string token, long runId, string file, byte[] content)
    {
        using var anonymous = fixture.Factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/builds/{buildId}/artifact-uploads") { Content = JsonContent.Create(new { file, runId }) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await anonymous.SendAsync(request, Ct);
        var grant = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.True(response.IsSuccessStatusCode, grant.ToString());
        Assert.Equal("PUT", grant.GetProperty("method").GetString());
        var url = new Uri(grant.GetProperty("url").GetString()!);
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(grant.GetProperty("contentType").GetString()!);
        using var put = await anonymous.PutAsync(url.PathAndQuery, body, Ct);
        Assert.True(put.IsSuccessStatusCode, $"{(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(Ct)}");
    }
}

/// <summary>The pipeline with documents in SQLite (the embedded default).</summary>
public sealed class BuildPipelineTests(BuildsFixture fixture) : BuildPipelineTestsBase<BuildsFixture>(fixture), IClassFixture<BuildsFixture>;

/// <summary>The same pipeline with documents in Google's Firestore emulator (transactions, lists of maps, queries).</summary>
public sealed class FirestoreBuildPipelineTests(FirestoreBuildsFixture fixture) : BuildPipelineTestsBase<FirestoreBuildsFixture>(fixture), IClassFixture<FirestoreBuildsFixture>;

/// <summary>Report and stream helpers shared by the builds tests.</summary>
internal static class BuildReports
{
    public static async Task ExpectAppliedAsync(HttpResponseMessage response, string state, bool applied)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
            var outcome = JsonDocument.Parse(text).RootElement;
            Assert.Equal(state, outcome.GetProperty("state").GetString());
            Assert.Equal(applied, outcome.GetProperty("applied").GetBoolean());
        }
    }

    public sealed record SseEvent(long Id, string State, JsonElement Data);

    /// <summary>Reads the build's SSE stream to its end; each event's id, state and data.</summary>
    public static async Task<List<SseEvent>> ReadEventsAsync(HttpClient client, string buildId, long? lastEventId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/builds/{buildId}/events");
        if (lastEventId is { } last)
        {
            request.Headers.Add("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var events = new List<SseEvent>();
        long id = 0;
        string? data = null;
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = long.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data = line[6..];
            }
            else if (line.Length == 0 && data is not null)
            {
                var json = JsonDocument.Parse(data).RootElement.Clone();
                events.Add(new SseEvent(id, json.GetProperty("state").GetString()!, json));
                data = null;
            }
        }

        return events;
    }
}
