using System.Net;
using System.Net.Sockets;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class ListenUrlsTests
{
    [Theory]
    [InlineData(null, null, null, "http://0.0.0.0:8080")]
    [InlineData(null, null, "9090", "http://0.0.0.0:9090")]
    [InlineData(null, null, " 9090 ", "http://0.0.0.0:9090")]
    [InlineData(null, "8080", "9090", "http://0.0.0.0:9090")]
    [InlineData(null, "8080", null, null)]
    [InlineData("http://127.0.0.1:5000", null, "9090", null)]
    [InlineData("http://127.0.0.1:5000", null, null, null)]
    [InlineData("", "", "", "http://0.0.0.0:8080")]
    public void Select_prefers_explicit_urls_then_PORT_then_http_ports_then_8080(string? urls, string? httpPorts, string? port, string? expected)
    {
        Assert.Equal(expected, ListenUrls.Select(urls, httpPorts, port));
    }

    [Fact]
    public void Kestrel_endpoint_configuration_is_left_alone()
    {
        Assert.Null(ListenUrls.Select(null, null, "9090", hasKestrelEndpoints: true));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("80.5")]
    public void Invalid_PORT_fails_naming_the_variable(string port)
    {
        var error = Assert.Throws<InvalidOperationException>(() => ListenUrls.Select(null, null, port));

        Assert.Contains("PORT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_listens_on_PORT_on_all_interfaces_when_no_urls_are_given()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        await using var app = await TestApp.StartAsync(
            "Production", new Dictionary<string, string?> { ["PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture) }, explicitUrls: false);

        Assert.Contains($"http://0.0.0.0:{port}", app.App.Urls);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/health/live")).StatusCode);
    }

    [Fact]
    public async Task Explicit_urls_override_PORT()
    {
        // PORT=1 could not be bound by a test process; starting at all proves --urls won.
        await using var app = await TestApp.StartAsync("Production", new Dictionary<string, string?> { ["PORT"] = "1" });

        Assert.StartsWith("http://127.0.0.1:", app.App.Urls.Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await app.GetAsync("/health/live")).StatusCode);
    }
}
