using System.Security.Cryptography;
using System.Text.Json;
using PocketCode.Bff.Builds;
using PocketCode.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The workflow's own Play upload (<c>.github/scripts/play-publish.sh</c>), run outside Actions
/// against <see cref="PlayStandIn"/> on 127.0.0.1 with its endpoints overridden by env: the
/// service account's token, the edit calls in Google's order and shapes, and the
/// "version code already used" answer that the report job passes to PocketCode.
/// </summary>
public sealed class PlayPublishScriptTests : IAsyncLifetime
{
    private static readonly string Script = NpmFolder.InRepository("user-project-template", ".github", "scripts", "play-publish.sh");

    private PlayStandIn _play = null!;
    private string _folder = null!;

    public async ValueTask InitializeAsync()
    {
        _play = await PlayStandIn.StartAsync();
        _folder = Directory.CreateTempSubdirectory("pocketcode-play-").FullName;
        await File.WriteAllBytesAsync(Aab, RandomNumberGenerator.GetBytes(4096), Ct);
        await File.WriteAllTextAsync(Outputs, "", Ct);
    }

    public async ValueTask DisposeAsync()
    {
        await _play.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    private string Aab => Path.Combine(_folder, "app-release.aab");

    private string Outputs => Path.Combine(_folder, "github-output");

    [Fact]
    public async Task A_completed_release_is_uploaded_released_on_its_track_and_committed()
    {
        _play.BundleVersionCode = 42;

        var result = await PublishAsync(Environment());

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        Assert.Equal(
        [
            "POST /token",
            "POST /androidpublisher/v3/applications/com.example.app/edits",
            "POST /upload/androidpublisher/v3/applications/com.example.app/edits/edit-0001/bundles?uploadType=media",
            "PUT /androidpublisher/v3/applications/com.example.app/edits/edit-0001/tracks/internal",
            "POST /androidpublisher/v3/applications/com.example.app/edits/edit-0001:commit",
        ], _play.Calls);
        Assert.Equal(await File.ReadAllBytesAsync(Aab, Ct), Assert.Single(_play.UploadedBundles));
        var track = Assert.Single(_play.TrackUpdates);
        Assert.Equal("internal", track.GetProperty("track").GetString());
        var release = Assert.Single(track.GetProperty("releases").EnumerateArray());
        Assert.Equal("1.0.42", release.GetProperty("name").GetString());
        Assert.Equal(["42"], release.GetProperty("versionCodes").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal("completed", release.GetProperty("status").GetString());
        Assert.False(release.TryGetProperty("userFraction", out _));
        var notes = Assert.Single(release.GetProperty("releaseNotes").EnumerateArray());
        Assert.Equal("en-US", notes.GetProperty("language").GetString());
        Assert.Equal("• Fix the login \"button\"\n• Ünïcode notes", notes.GetProperty("text").GetString());
        Assert.Equal("", await File.ReadAllTextAsync(Outputs, Ct));
    }

    [Fact]
    public async Task A_staged_rollout_sends_its_fraction_as_a_number_and_a_draft_has_none()
    {
        _play.BundleVersionCode = 42;
        var staged = Environment();
        staged["RELEASE_STATUS"] = "inProgress";
        staged["USER_FRACTION"] = "0.0001";
        staged["TRACK"] = "production";
        staged["RELEASE_NOTES"] = "";
        Assert.Equal(0, (await PublishAsync(staged)).ExitCode);

        var draft = Environment();
        draft["RELEASE_STATUS"] = "draft";
        draft["USER_FRACTION"] = "";
        Assert.Equal(0, (await PublishAsync(draft)).ExitCode);

        var releases = _play.TrackUpdates.Select(t => Assert.Single(t.GetProperty("releases").EnumerateArray())).ToList();
        Assert.Equal("inProgress", releases[0].GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Number, releases[0].GetProperty("userFraction").ValueKind);
        Assert.Equal(0.0001, releases[0].GetProperty("userFraction").GetDouble());
        Assert.False(releases[0].TryGetProperty("releaseNotes", out _));
        Assert.Equal("draft", releases[1].GetProperty("status").GetString());
        Assert.False(releases[1].TryGetProperty("userFraction", out _));
    }

    [Fact]
    public async Task A_version_code_play_already_holds_ends_with_version_code_used_for_the_report()
    {
        _play.BundleVersionCode = 42;
        _play.UsedVersionCodes[42] = true;

        var result = await PublishAsync(Environment());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("::error::play-publish.sh: Google Play refused the bundle: version code 42 has already been used (apkUpgradeVersionConflict)", result.StandardError, StringComparison.Ordinal);
        // The error line alone (the report's message) already reads as this error to the BFF.
        Assert.Equal(BuildErrors.VersionCodeUsed, BuildErrors.FromWorkflow("publish", result.StandardError, 42).Code);
        // The names the workflow's report reads (WorkflowTemplateTests checks the report side).
        var outputs = (await File.ReadAllLinesAsync(Outputs, Ct)).ToHashSet(StringComparer.Ordinal);
        Assert.Contains("error_code=" + BuildErrors.VersionCodeUsed, outputs);
        Assert.Contains("refused_version_code=42", outputs);
        // Nothing is released or committed after the refusal.
        Assert.DoesNotContain(_play.Calls, c => c.Contains("/tracks/", StringComparison.Ordinal) || c.EndsWith(":commit", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Another_refusal_is_reported_without_the_version_code_error()
    {
        _play.BundleVersionCode = 41;

        var result = await PublishAsync(Environment());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("the bundle has version code 41, not 42", result.StandardError, StringComparison.Ordinal);
        Assert.Equal("", await File.ReadAllTextAsync(Outputs, Ct));
    }

    [Fact]
    public async Task A_key_that_is_not_the_service_accounts_gets_no_token_and_is_never_printed()
    {
        using var otherKey = RSA.Create(2048);
        var environment = Environment();
        environment["PLAY_SERVICE_ACCOUNT_JSON"] = _play.ServiceAccountJson(otherKey);

        var result = await PublishAsync(environment);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Google refused the service account's token request: Invalid JWT Signature.", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(["POST /token"], _play.Calls);
        var pemBody = otherKey.ExportPkcs8PrivateKeyPem().Split('\n')[1];
        Assert.DoesNotContain(pemBody, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("RELEASE_STATUS", "inProgress", "a staged rollout needs a fraction between 0 and 1")]
    [InlineData("RELEASE_STATUS", "halted", "release status 'halted' is not draft, completed or inProgress")]
    [InlineData("VERSION_CODE", "0", "version code '0' is not a positive number")]
    [InlineData("PLAY_SERVICE_ACCOUNT_JSON", "{}", "the Play service-account key has no client_email")]
    public async Task Bad_input_stops_before_any_call_to_google(string name, string value, string message)
    {
        var environment = Environment();
        environment[name] = value;
        environment["USER_FRACTION"] = "";

        var result = await PublishAsync(environment);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(message, result.StandardError, StringComparison.Ordinal);
        Assert.Empty(_play.Calls);
    }

    [Fact]
    public void The_publish_step_gives_the_script_exactly_the_environment_it_reads()
    {
        var step = Workflows.Steps((YamlMappingNode)Workflows.Jobs(Workflows.Load(Workflows.Template))["publish"]).Single(s => Workflows.Scalar(s, "id") == "publish");
        var given = ((YamlMappingNode)step["env"]).Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal);
        var read = Environment().Keys.Where(k => !k.StartsWith("PLAY_", StringComparison.Ordinal) || k == "PLAY_SERVICE_ACCOUNT_JSON").Where(k => k != "GITHUB_OUTPUT");
        Assert.Equal(read.Order(StringComparer.Ordinal), given);
        Assert.Equal(".github/scripts/play-publish.sh \"$RUNNER_TEMP/signed/app-release.aab\"", Workflows.Scalar(step, "run"));
    }

    /// <summary>What the publish step sets (see the test above), with Google's endpoints pointed at the stand-in.</summary>
    private Dictionary<string, string?> Environment() => new(StringComparer.Ordinal)
    {
        ["PLAY_SERVICE_ACCOUNT_JSON"] = _play.ServiceAccountJson(),
        ["PACKAGE_NAME"] = "com.example.app",
        ["TRACK"] = "internal",
        ["RELEASE_STATUS"] = "completed",
        ["USER_FRACTION"] = "",
        ["VERSION_CODE"] = "42",
        ["VERSION_NAME"] = "1.0.42",
        ["RELEASE_NOTES"] = "• Fix the login \"button\"\n• Ünïcode notes",
        ["PLAY_TOKEN_URL"] = _play.TokenUrl,
        ["PLAY_API_ROOT"] = _play.BaseUrl,
        ["PLAY_UPLOAD_ROOT"] = _play.BaseUrl + "/upload",
        ["GITHUB_OUTPUT"] = Outputs,
    };

    private Task<ProcessResult> PublishAsync(Dictionary<string, string?> environment) =>
        NpmFolder.RunAsync(Script, [Aab], _folder, TimeSpan.FromMinutes(2), environment);
}
