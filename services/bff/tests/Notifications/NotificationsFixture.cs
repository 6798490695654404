using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PocketCode.Bff.Tests.Builds;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Notifications;

/// <summary>
/// The builds fixture (GitHub stand-in, OIDC issuer, embedded stores) plus an FCM + OAuth stand-in
/// the BFF's notifications point at, with a real service-account file whose token_uri is the stand-in.
/// </summary>
public class NotificationsFixture : BuildsFixture
{
    public const int MaxAttempts = 3;

    public FcmStandIn Fcm { get; private set; } = null!;

    protected override async ValueTask ConfigureAsync(ServiceFactory<Program> factory)
    {
        Fcm = await FcmStandIn.StartAsync();
        factory.Settings["Notifications:FcmBaseUrl"] = Fcm.BaseUrl;
        factory.Settings["Notifications:CredentialFile"] = Fcm.CredentialFile;
        factory.Settings["Notifications:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        factory.Settings["Notifications:RetryDelay"] = "00:00:00.010";
    }

    protected override async ValueTask DisposeExtrasAsync() => await Fcm.DisposeAsync();

    public static async Task RegisterDeviceAsync(HttpClient client, string installationId, string token, string platform = "android")
    {
        using var response = await client.PutAsJsonAsync($"/v1/me/devices/{installationId}", new { token, platform, appVersion = "1.4.0+27" }, Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
    }

    /// <summary>A new user with credentials, a project and a dispatched build: (client, projectId, buildId, repo).</summary>
    public async Task<(HttpClient Client, string ProjectId)> UserWithProjectAsync(string uid, string appName)
    {
        var client = await UserWithCredentialsAsync(uid);
        var projectId = await client.CreateProjectIdAsync(appName, "com.example." + appName.ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal));
        return (client, projectId);
    }

    public static async Task<(string BuildId, string Repo)> StartDispatchedAsync(HttpClient client, string projectId, object? body = null)
    {
        var buildId = (await StartBuildAsync(client, projectId, body)).GetProperty("id").GetString()!;
        var build = await WaitForDispatchedAsync(client, buildId);
        var repo = build.GetProperty("githubRepo").GetProperty("owner").GetString() + "/" + build.GetProperty("githubRepo").GetProperty("name").GetString();
        return (buildId, repo);
    }

    /// <summary>Reports the workflow's way to <paramref name="final"/> (succeeded or failed); returns the last report's answer.</summary>
    public async Task<JsonElement> DriveAsync(string buildId, string repo, long runId, string final)
    {
        var token = Token(repo, runId);
        foreach (var state in final == "succeeded" ? new[] { "running", "signing", "uploading", "publishing" } : ["running"])
        {
            using var step = await ReportAsync(buildId, token, new { state, runId });
            Assert.Equal(HttpStatusCode.OK, step.StatusCode);
        }

        using var last = await ReportAsync(buildId, token, final == "failed"
            ? new { state = final, runId, step = "build", message = "Gradle build failed: Unresolved reference: forecast" }
            : (object)new { state = final, runId, versionCode = 3 });
        var text = await last.Content.ReadAsStringAsync(Ct);
        Assert.True(last.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Waits until the stand-in got <paramref name="count"/> requests for <paramref name="deviceToken"/> (fails after a bound).</summary>
    public async Task<List<JsonElement>> WaitForMessagesAsync(string deviceToken, int count)
    {
        for (var attempt = 0; ; attempt++)
        {
            var messages = Fcm.MessagesTo(deviceToken).ToList();
            if (messages.Count >= count)
            {
                return messages;
            }

            Assert.True(attempt < 1200, $"FCM got {messages.Count} of {count} requests for the device");
            await Task.Delay(50, Ct);
        }
    }
}

/// <summary>The same with the BFF's documents in Google's Firestore emulator.</summary>
public sealed class FirestoreNotificationsFixture : NotificationsFixture
{
    protected override ServiceFactory<Program> CreateFactory() => new Firestore.BffFirestoreFactory();
}
