using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Notifications;
using PocketCode.Bff.Tests.Builds;
using Xunit;

namespace PocketCode.Bff.Tests.Notifications;

/// <summary>
/// Builds driven to their end by OIDC-signed workflow reports push one FCM HTTP v1 request per
/// registered device, with a bearer token the OAuth stand-in granted for the service account's
/// signed assertion; duplicates send nothing more, UNREGISTERED removes the device, an FCM outage
/// neither delays nor fails the build, and the user's settings turn kinds off.
/// </summary>
public abstract class PushNotificationTestsBase<TFixture>(TFixture fixture)
    where TFixture : NotificationsFixture
{
    private FcmStandIn Fcm => fixture.Fcm;

    private static string Prefix => typeof(TFixture).Name.StartsWith("Firestore", StringComparison.Ordinal) ? "fs-" : "sq-";

    [Fact]
    public async Task Success_and_failure_each_send_one_request_per_device_once()
    {
        var uid = Prefix + "push-alice";
        var (client, projectId) = await fixture.UserWithProjectAsync(uid, "Weather");
        var phone = $"{uid}-phone-token";
        var tablet = $"{uid}-tablet-token";
        await NotificationsFixture.RegisterDeviceAsync(client, "phone-1", phone);
        await NotificationsFixture.RegisterDeviceAsync(client, "tablet-1", tablet, "ios");

        // Success (published to Play's production track): one request per device with the data the app needs.
        var (okId, repo) = await NotificationsFixture.StartDispatchedAsync(client, projectId, new { track = "production", releaseStatus = "completed" });
        var outcome = await fixture.DriveAsync(okId, repo, 5001, "succeeded");
        Assert.True(outcome.GetProperty("applied").GetBoolean());
        foreach (var device in new[] { phone, tablet })
        {
            var message = Assert.Single(await fixture.WaitForMessagesAsync(device, 1));
            var data = message.GetProperty("data");
            Assert.Equal(projectId, data.GetProperty("projectId").GetString());
            Assert.Equal(okId, data.GetProperty("buildId").GetString());
            Assert.Equal("succeeded", data.GetProperty("state").GetString());
            Assert.Equal("publish", data.GetProperty("kind").GetString());
            Assert.Equal("https://play.google.com/store/apps/details?id=com.example.weather", data.GetProperty("playListingUrl").GetString());
            Assert.Equal("listing", data.GetProperty("outcomeKind").GetString());
            Assert.Equal("https://play.google.com/store/apps/details?id=com.example.weather", data.GetProperty("outcomeUrl").GetString());
            Assert.All(data.EnumerateObject(), p => Assert.Equal(JsonValueKind.String, p.Value.ValueKind));
            Assert.Equal("Weather is on Google Play", message.GetProperty("notification").GetProperty("title").GetString());
            Assert.False(string.IsNullOrWhiteSpace(message.GetProperty("notification").GetProperty("body").GetString()));
        }

        // Each request carried a token the OAuth stand-in granted for a valid signed assertion, to the platform's project.
        var sent = Fcm.Requests.Where(r => r.Message.GetProperty("token").GetString() is { } t && (t == phone || t == tablet)).ToList();
        Assert.All(sent, r =>
        {
            Assert.Equal(fixture.Factory.ProjectId, r.Project);
            Assert.StartsWith("ya29.", r.Bearer, StringComparison.Ordinal);
            Assert.Contains(r.Bearer, Fcm.IssuedTokens);
        });
        Assert.Empty(Fcm.RefusedGrants);

        // The same terminal report again, and the completion seam fired again as by another
        // instance: nothing more is sent.
        using (var again = await fixture.ReportAsync(okId, fixture.Token(repo, 5001), new { state = "succeeded", runId = 5001 }))
        {
            Assert.False((await again.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("applied").GetBoolean());
        }

        var build = (await fixture.Factory.Services.GetRequiredService<BuildService>().FindAsync(okId, Ct))!;
        await fixture.Factory.Services.GetRequiredService<IBuildCompletionSink>().OnBuildFinishedAsync(build, Ct);
        var direct = await fixture.Factory.Services.GetRequiredService<PushNotifier>().NotifyAsync(build, Ct);
        Assert.Equal(NotifyOutcome.AlreadySent, direct.Outcome);

        // Failure: again one request per device. The worker sends in order, so once these arrived
        // the duplicate queued before them was handled, and it sent nothing.
        var (failId, failRepo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        Assert.True((await fixture.DriveAsync(failId, failRepo, 5002, "failed")).GetProperty("applied").GetBoolean());
        foreach (var device in new[] { phone, tablet })
        {
            var messages = await fixture.WaitForMessagesAsync(device, 2);
            Assert.Equal(2, messages.Count);
            Assert.Equal([okId, failId], messages.Select(m => m.GetProperty("data").GetProperty("buildId").GetString()));
            var data = messages[1].GetProperty("data");
            Assert.Equal("failed", data.GetProperty("state").GetString());
            Assert.Equal(projectId, data.GetProperty("projectId").GetString());
            Assert.Equal("", data.GetProperty("playListingUrl").GetString());
            Assert.Equal("Weather: build failed", messages[1].GetProperty("notification").GetProperty("title").GetString());
        }
    }

    [Fact]
    public async Task The_kind_follows_what_was_published_testers_yes_a_draft_no()
    {
        var uid = Prefix + "push-tess";
        var (client, projectId) = await fixture.UserWithProjectAsync(uid, "Tracks");
        var device = $"{uid}-token";
        await NotificationsFixture.RegisterDeviceAsync(client, "tess-phone", device);

        // Internal testing: released to testers, so a publish notification, without a listing link.
        var (internalId, internalRepo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        await fixture.DriveAsync(internalId, internalRepo, 9001, "succeeded");
        var released = Assert.Single(await fixture.WaitForMessagesAsync(device, 1)).GetProperty("data");
        Assert.Equal("publish", released.GetProperty("kind").GetString());
        Assert.Equal("internalTesting", released.GetProperty("outcomeKind").GetString());
        Assert.Equal("", released.GetProperty("playListingUrl").GetString());

        // A draft on production published nothing: a build-succeeded notification saying so.
        var (draftId, draftRepo) = await NotificationsFixture.StartDispatchedAsync(client, projectId, new { track = "production", releaseStatus = "draft" });
        await fixture.DriveAsync(draftId, draftRepo, 9002, "succeeded");
        var messages = await fixture.WaitForMessagesAsync(device, 2);
        var draft = messages[1];
        Assert.Equal(draftId, draft.GetProperty("data").GetProperty("buildId").GetString());
        Assert.Equal(NotificationKinds.BuildSucceeded, draft.GetProperty("data").GetProperty("kind").GetString());
        Assert.Equal("draft", draft.GetProperty("data").GetProperty("outcomeKind").GetString());
        Assert.Equal("https://play.google.com/console", draft.GetProperty("data").GetProperty("outcomeUrl").GetString());
        Assert.Equal("", draft.GetProperty("data").GetProperty("playListingUrl").GetString());
        Assert.StartsWith("Draft, not yet published", draft.GetProperty("notification").GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal("Tracks built", draft.GetProperty("notification").GetProperty("title").GetString());
    }

    [Fact]
    public async Task An_unregistered_token_removes_that_device_only()
    {
        var uid = Prefix + "push-carol";
        var (client, projectId) = await fixture.UserWithProjectAsync(uid, "Notes");
        var stale = $"{uid}-stale-token";
        var live = $"{uid}-live-token";
        Fcm.Unregistered[stale] = true;
        await NotificationsFixture.RegisterDeviceAsync(client, "old-phone", stale);
        await NotificationsFixture.RegisterDeviceAsync(client, "new-phone", live);

        var (buildId, repo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        await fixture.DriveAsync(buildId, repo, 6001, "failed");
        Assert.Single(await fixture.WaitForMessagesAsync(stale, 1));
        Assert.Single(await fixture.WaitForMessagesAsync(live, 1));

        for (var attempt = 0; ; attempt++)
        {
            var ids = (await client.GetFromJsonAsync<JsonElement>("/v1/me/devices", Ct)).GetProperty("devices").EnumerateArray()
                .Select(d => d.GetProperty("installationId").GetString()).ToList();
            if (ids.Count == 1)
            {
                Assert.Equal(["new-phone"], ids);
                break;
            }

            Assert.True(attempt < 600, "the unregistered device was not removed");
            await Task.Delay(50, Ct);
        }
    }

    [Fact]
    public async Task An_fcm_outage_neither_delays_nor_fails_the_build_and_retries_are_bounded()
    {
        var uid = Prefix + "push-dave";
        var (client, projectId) = await fixture.UserWithProjectAsync(uid, "Outage");
        var down = $"{uid}-down-token";
        var flaky = $"{uid}-flaky-token";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Fcm.Held[down] = gate;
        Fcm.Failing[down] = int.MaxValue;
        Fcm.Failing[flaky] = 1;
        await NotificationsFixture.RegisterDeviceAsync(client, "down-phone", down);
        await NotificationsFixture.RegisterDeviceAsync(client, "flaky-phone", flaky);

        // FCM holds every request to the first device: the report is answered and the build is
        // failed while the request to FCM is still unanswered.
        var (buildId, repo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        var outcome = await fixture.DriveAsync(buildId, repo, 7001, "failed");
        Assert.True(outcome.GetProperty("applied").GetBoolean());
        Assert.Equal("failed", outcome.GetProperty("state").GetString());
        Assert.Equal("failed", (await BuildsFixture.GetBuildAsync(client, buildId)).GetProperty("state").GetString());
        Assert.False(gate.Task.IsCompleted);

        // Then FCM answers 503: bounded retries for that device; the flaky one succeeds on its retry.
        gate.SetResult();
        Assert.Equal(NotificationsFixture.MaxAttempts, (await fixture.WaitForMessagesAsync(down, NotificationsFixture.MaxAttempts)).Count);
        Assert.Equal(2, (await fixture.WaitForMessagesAsync(flaky, 2)).Count);

        // A later build's notification arrives after the first was given up (the worker is in
        // order), so the failing device got exactly MaxAttempts requests and stays registered.
        Fcm.Failing[down] = 0;
        var (second, secondRepo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        await fixture.DriveAsync(second, secondRepo, 7002, "failed");
        var downMessages = await fixture.WaitForMessagesAsync(down, NotificationsFixture.MaxAttempts + 1);
        Assert.Equal(NotificationsFixture.MaxAttempts, downMessages.Count(m => m.GetProperty("data").GetProperty("buildId").GetString() == buildId));
        Assert.Equal(2, (await client.GetFromJsonAsync<JsonElement>("/v1/me/devices", Ct)).GetProperty("devices").GetArrayLength());
        Assert.Equal("failed", (await BuildsFixture.GetBuildAsync(client, buildId)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Turning_a_kind_off_stops_those_notifications()
    {
        var uid = Prefix + "push-erin";
        var (client, projectId) = await fixture.UserWithProjectAsync(uid, "Quiet");
        var device = $"{uid}-token";
        await NotificationsFixture.RegisterDeviceAsync(client, "erin-phone", device);
        using (var patch = await client.PatchAsync("/v1/me", JsonContent.Create(new { settings = new { notifications = new { buildFailed = false } } }), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, patch.StatusCode);
        }

        var (mutedId, repo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        await fixture.DriveAsync(mutedId, repo, 8001, "failed");
        var muted = (await fixture.Factory.Services.GetRequiredService<BuildService>().FindAsync(mutedId, Ct))!;
        Assert.Equal(NotifyOutcome.TurnedOff, (await fixture.Factory.Services.GetRequiredService<PushNotifier>().NotifyAsync(muted, Ct)).Outcome);

        // Publish notifications are still on: the next build's arrives, and it is the only one.
        var (publishedId, publishedRepo) = await NotificationsFixture.StartDispatchedAsync(client, projectId);
        await fixture.DriveAsync(publishedId, publishedRepo, 8002, "succeeded");
        var message = Assert.Single(await fixture.WaitForMessagesAsync(device, 1));
        Assert.Equal(publishedId, message.GetProperty("data").GetProperty("buildId").GetString());
    }
}

public sealed class PushNotificationTests(NotificationsFixture fixture) : PushNotificationTestsBase<NotificationsFixture>(fixture), IClassFixture<NotificationsFixture>;

/// <summary>The once-per-state records and device documents in Google's Firestore emulator.</summary>
public sealed class FirestorePushNotificationTests(FirestoreNotificationsFixture fixture)
    : PushNotificationTestsBase<FirestoreNotificationsFixture>(fixture), IClassFixture<FirestoreNotificationsFixture>;
