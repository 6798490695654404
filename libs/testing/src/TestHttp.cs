using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Xunit;

namespace PocketCode.Testing;

/// <summary>
/// What every test file needs, in one place (every test project imports it with a global
/// <c>using static</c>): the running test's cancellation token, JSON bodies and a refusing address.
/// </summary>
public static class TestHttp
{
    /// <summary>The running test's cancellation token: cancelled when the test times out or the run is stopped.</summary>
    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A JSON request body.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The response's JSON body (default for an empty one), after checking its status (the body is in the failure message).</summary>
    public static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == expected, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        if (body.Length == 0)
        {
            return default;
        }

        using var document = JsonDocument.Parse(body);
        return document.RootElement.Clone();
    }

    /// <summary>
    /// An address on 127.0.0.1 where nothing listens (connections are refused): a port the system
    /// handed out and that was closed again, for tests of a service that is down.
    /// </summary>
    public static string RefusingUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }
}
