using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Notifications;

/// <summary>/v1/me/devices: registration, refresh, listing and removal, per caller, with validation.</summary>
public sealed class DevicesApiTests(NotificationsFixture fixture) : IClassFixture<NotificationsFixture>
{
    private static async Task<List<JsonElement>> ListAsync(HttpClient client) =>
        (await client.GetFromJsonAsync<JsonElement>("/v1/me/devices", Ct)).GetProperty("devices").EnumerateArray().ToList();

    [Fact]
    public async Task Devices_are_registered_refreshed_listed_and_removed_without_echoing_the_token()
    {
        using var alice = await fixture.Factory.CreateClientForAsync("devices-alice");
        using var created = await alice.PutAsJsonAsync("/v1/me/devices/inst-A1", new { token = "fcm-token-1", platform = "android", appVersion = "1.0.0" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var first = await created.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal("inst-A1", first.GetProperty("installationId").GetString());
        Assert.DoesNotContain("fcm-token-1", first.GetRawText(), StringComparison.Ordinal);

        using var refreshed = await alice.PutAsJsonAsync("/v1/me/devices/inst-A1", new { token = "fcm-token-2", platform = "android", appVersion = "1.1.0" }, Ct);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        var second = await refreshed.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Equal(first.GetProperty("createdAt").GetDateTimeOffset(), second.GetProperty("createdAt").GetDateTimeOffset());
        Assert.Equal("1.1.0", second.GetProperty("appVersion").GetString());

        await NotificationsFixture.RegisterDeviceAsync(alice, "inst-A2", "fcm-token-3", "ios");
        var list = await ListAsync(alice);
        Assert.Equal(["inst-A1", "inst-A2"], list.Select(d => d.GetProperty("installationId").GetString()).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("fcm-token", JsonSerializer.Serialize(list), StringComparison.Ordinal);

        using (var deleted = await alice.DeleteAsync("/v1/me/devices/inst-A2", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        await ProblemAssert.IsProblemAsync(await alice.DeleteAsync("/v1/me/devices/inst-A2", Ct), HttpStatusCode.NotFound, "not_found");
        Assert.Single(await ListAsync(alice));
    }

    [Fact]
    public async Task Bad_registrations_are_refused_and_change_nothing()
    {
        using var client = await fixture.Factory.CreateClientForAsync("devices-bob");
        await NotificationsFixture.RegisterDeviceAsync(client, "inst-B1", "fcm-token-b");
        var before = await ListAsync(client);

        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = "", platform = "android", appVersion = "1.0" }, Ct), "token");
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = new string('x', 5000), platform = "android", appVersion = "1.0" }, Ct), "token");
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = "has space", platform = "android", appVersion = "1.0" }, Ct), "token");
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = "t", platform = "windows", appVersion = "1.0" }, Ct), "platform");
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = "t", platform = "ios", appVersion = "1.0 beta" }, Ct), "appVersion");
        await ProblemAssert.IsProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/inst-B1", new { token = "t", platform = "ios" }, Ct), HttpStatusCode.BadRequest);
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/" + new string('a', 129), new { token = "t", platform = "ios", appVersion = "1" }, Ct), "installationId");
        await ProblemAssert.IsValidationProblemAsync(await client.PutAsJsonAsync("/v1/me/devices/bad.id", new { token = "t", platform = "ios", appVersion = "1" }, Ct), "installationId");

        var after = await ListAsync(client);
        Assert.Equal(before.Select(d => d.GetRawText()), after.Select(d => d.GetRawText()));
    }

    [Fact]
    public async Task Another_user_cannot_list_change_or_remove_my_devices()
    {
        using var alice = await fixture.Factory.CreateClientForAsync("devices-carol");
        using var mallory = await fixture.Factory.CreateClientForAsync("devices-mallory");
        await NotificationsFixture.RegisterDeviceAsync(alice, "shared-id", "carol-token");
        var before = await ListAsync(alice);

        Assert.Empty(await ListAsync(mallory));
        await ProblemAssert.IsProblemAsync(await mallory.DeleteAsync("/v1/me/devices/shared-id", Ct), HttpStatusCode.NotFound, "not_found");
        // The same installation id under another user is that user's own device.
        await NotificationsFixture.RegisterDeviceAsync(mallory, "shared-id", "mallory-token");
        using (var deleted = await mallory.DeleteAsync("/v1/me/devices/shared-id", Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        var after = await ListAsync(alice);
        Assert.Equal(before.Select(d => d.GetRawText()), after.Select(d => d.GetRawText()));
        using var anonymous = fixture.Factory.CreateClient();
        await ProblemAssert.IsProblemAsync(await anonymous.GetAsync("/v1/me/devices", Ct), HttpStatusCode.Unauthorized, "unauthorized");
    }
}
