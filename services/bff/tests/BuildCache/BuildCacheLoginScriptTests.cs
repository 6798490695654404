using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using PocketCode.Bff.BuildCache;
using PocketCode.Bff.Tests.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.BuildCache;

/// <summary>The cache fixture with the BFF on real Kestrel, so curl (the login script) and Expect: 100-continue reach it.</summary>
public sealed class KestrelBuildCacheFixture : BuildCacheFixture
{
    protected override ServiceFactory<Program> CreateFactory() => new KestrelBffFactory();
}

/// <summary>
/// The template's <c>.github/scripts/build-cache-login.sh</c> run with bash, curl and jq against
/// the BFF on Kestrel and a stand-in for the runner's OIDC token endpoint, as the build job runs it:
/// what it writes to <c>$GITHUB_ENV</c> is what Gradle's init script reads.
/// </summary>
public sealed class BuildCacheLoginScriptTests(KestrelBuildCacheFixture fixture) : IClassFixture<KestrelBuildCacheFixture>
{
    private const string RequestToken = "runner-request-token";

    [Fact]
    public async Task The_script_writes_a_masked_credential_that_gradle_can_use()
    {
        var build = await fixture.DispatchedBuildAsync("cache-script-alice", "Cache Script Alice");
        var token = fixture.Token(build.Repository, 9001);
        var run = await RunScriptAsync(build.BuildId, token);

        Assert.Equal(0, run.ExitCode);
        var env = run.Environment;
        SecretScan.Register("build cache password", env["POCKETCODE_BUILD_CACHE_PASSWORD"]);
        Assert.Equal(["POCKETCODE_BUILD_CACHE_PASSWORD", "POCKETCODE_BUILD_CACHE_PUSH", "POCKETCODE_BUILD_CACHE_URL", "POCKETCODE_BUILD_CACHE_USER"], env.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(BuildsFixture.Audience + "/v1/build-cache/", env["POCKETCODE_BUILD_CACHE_URL"]);
        Assert.Equal(build.BuildId, env["POCKETCODE_BUILD_CACHE_USER"]);
        Assert.Equal("true", env["POCKETCODE_BUILD_CACHE_PUSH"]);
        // The runner hides masked values in the log; the OIDC token is masked too.
        Assert.Contains("::add-mask::" + env["POCKETCODE_BUILD_CACHE_PASSWORD"], run.Output, StringComparison.Ordinal);
        Assert.Contains("::add-mask::" + token, run.Output, StringComparison.Ordinal);

        // Gradle's requests with that credential, over real HTTP: 100-continue answered with 413
        // for an entry over the limit, then a store and a hit.
        using var started = fixture.Factory.CreateClient();
        using var gradle = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = Timeout.InfiniteTimeSpan }) { BaseAddress = started.BaseAddress };
        gradle.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(env["POCKETCODE_BUILD_CACHE_USER"] + ":" + env["POCKETCODE_BUILD_CACHE_PASSWORD"])));
        const string key = "9a0364b9e99bb480dd25e1f0284c8555";
        using (var tooBig = new HttpRequestMessage(HttpMethod.Put, "/v1/build-cache/" + key) { Content = Entry(RandomNumberGenerator.GetBytes((int)BuildCacheFixture.MaxEntryBytes + 1)) })
        {
            tooBig.Headers.ExpectContinue = true;
            using var refused = await gradle.SendAsync(tooBig, Ct);
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        }

        var bytes = RandomNumberGenerator.GetBytes(2048);
        using (var stored = await gradle.PutAsync("/v1/build-cache/" + key, Entry(bytes), Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, stored.StatusCode);
        }

        Assert.Equal(bytes, await gradle.GetByteArrayAsync("/v1/build-cache/" + key, Ct));
    }

    [Fact]
    public async Task When_the_bff_refuses_the_script_writes_nothing_and_the_build_goes_on()
    {
        var build = await fixture.DispatchedBuildAsync("cache-script-bob", "Cache Script Bob");

        // A token of another repository: 403 from the BFF.
        var run = await RunScriptAsync(build.BuildId, fixture.Token("mallory/not-a-project", 9002));
        Assert.Equal(0, run.ExitCode);
        Assert.Empty(run.Environment);
        Assert.Contains("::notice title=Gradle remote cache off::the BFF answered 403", run.Output, StringComparison.Ordinal);

        // No OIDC permission in the job.
        var unpermitted = await RunScriptAsync(build.BuildId, token: null);
        Assert.Equal(0, unpermitted.ExitCode);
        Assert.Empty(unpermitted.Environment);
        Assert.Contains("id-token: write", unpermitted.Output, StringComparison.Ordinal);
    }

    private sealed record ScriptRun(int ExitCode, string Output, Dictionary<string, string> Environment);

    /// <summary>Runs the script as the build job would; <paramref name="token"/> null = the job has no id-token permission.</summary>
    private async Task<ScriptRun> RunScriptAsync(string buildId, string? token)
    {
        // The runner's token endpoint: answers the OIDC token for the BFF's audience to the job's request token.
        await using var runner = LoopbackServer.Create();
        runner.MapGet("/idtoken", (HttpRequest request) =>
            request.Headers.Authorization.ToString() == "bearer " + RequestToken && request.Query["audience"] == BuildsFixture.Audience
                ? Results.Json(new { value = token })
                : Results.StatusCode(403));
        await runner.StartAsync(Ct);

        using var started = fixture.Factory.CreateClient();
        var githubEnv = Path.Combine(fixture.Factory.DataDirectory, "github-env-" + Guid.NewGuid().ToString("N"));
        await File.WriteAllTextAsync(githubEnv, string.Empty, Ct);
        var start = new ProcessStartInfo("bash", [NpmFolder.InRepository("user-project-template", ".github", "scripts", "build-cache-login.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["BFF_URL"] = started.BaseAddress!.ToString().TrimEnd('/');
        start.Environment["BFF_AUDIENCE"] = BuildsFixture.Audience;
        start.Environment["BUILD_ID"] = buildId;
        start.Environment["GITHUB_ENV"] = githubEnv;
        if (token is not null)
        {
            start.Environment["ACTIONS_ID_TOKEN_REQUEST_URL"] = runner.Urls.First() + "/idtoken?api-version=2.0";
            start.Environment["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = RequestToken;
        }
        else
        {
            start.Environment.Remove("ACTIONS_ID_TOKEN_REQUEST_URL");
            start.Environment.Remove("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(Ct);
        var stderr = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct).WaitAsync(TimeSpan.FromMinutes(2), Ct);
        var environment = (await File.ReadAllLinesAsync(githubEnv, Ct))
            .Select(line => line.Split('=', 2))
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);
        return new ScriptRun(process.ExitCode, await stdout + await stderr, environment);
    }

    private static ByteArrayContent Entry(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue(BuildCacheRules.EntryContentType);
        return content;
    }
}
