using System.Net;
using System.Text.Json;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class HealthTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Live_is_200_without_running_checks_even_when_a_store_is_down()
    {
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["Test:StoreReady"] = "false" });

        var response = await app.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Empty(body.GetProperty("checks").EnumerateObject());
    }

    [Fact]
    public async Task Ready_is_200_with_each_ready_check_when_all_pass()
    {
        await using var app = await TestApp.StartAsync("Production");

        var response = await app.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("store reachable", body.GetProperty("checks").GetProperty("store").GetProperty("description").GetString());
    }

    [Fact]
    public async Task Ready_is_503_when_a_ready_check_fails()
    {
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["Test:StoreReady"] = "false" });

        var response = await app.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.Equal("Unhealthy", body.GetProperty("status").GetString());
        Assert.Equal("Unhealthy", body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("queue").GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_throwing_check_is_503_without_exposing_the_exception_message()
    {
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["Test:QueueThrows"] = "true" });

        var response = await app.GetAsync("/health/ready");

        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Equal("Unhealthy", JsonDocument.Parse(text).RootElement.GetProperty("checks").GetProperty("queue").GetProperty("status").GetString());
    }
}
