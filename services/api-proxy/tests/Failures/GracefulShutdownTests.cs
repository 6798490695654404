using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Failures;

/// <summary>
/// SIGTERM to the proxy as a real process (<c>dotnet PocketCode.ApiProxy.dll</c>, as Cloud Run stops
/// an instance) while calls are held open at the provider: those calls still complete 200, a new
/// connection after the signal is refused (or answered 503), never half-answered, and the process exits 0.
/// </summary>
public sealed class GracefulShutdownTests
{
    [Fact]
    public async Task Sigterm_under_load_lets_in_flight_calls_finish_refuses_new_ones_and_exits_0()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var provider = await FakeProvider.StartAsync();
        provider.Handler = async context =>
        {
            await release.Task.WaitAsync(TimeSpan.FromMinutes(2), context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(FakeProvider.GeminiJson(FakeProvider.KeyOf(context)));
        };
        var dataDirectory = Directory.CreateTempSubdirectory("pocketcode-sigterm-").FullName;
        try
        {
            await using var proxy = ServiceProcess.Start("api-proxy", ServiceProcess.FindServiceDll("services/api-proxy/src", "PocketCode.ApiProxy"), new Dictionary<string, string>
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["DOTNET_ENVIRONMENT"] = "Development",
                ["GOOGLE_CLOUD_PROJECT"] = "demo-pocketcode",
                ["POCKETCODE_DATA_DIR"] = dataDirectory,
                ["FIRESTORE_EMULATOR_HOST"] = "",
                ["STORAGE_EMULATOR_HOST"] = "",
                ["GEMINI_API_KEY"] = TestKeys.PlatformGemini,
                ["Providers__Gemini__BaseUrl"] = provider.Url,
                ["Proxy__Cache__Enabled"] = "false",
                ["Proxy__Timeout"] = "00:02:00",
            });
            await proxy.WaitReadyAsync(TimeSpan.FromMinutes(2), Ct);

            using var http = new HttpClient { BaseAddress = new Uri(proxy.Url), Timeout = TimeSpan.FromMinutes(3) };
            using (var minted = await http.PostAsJsonAsync("/dev/tokens", new { uid = "sigterm-user" }, Ct))
            {
                var token = JsonDocument.Parse(await minted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("idToken").GetString();
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            // Three calls held open at the provider.
            var inFlight = Enumerable.Range(0, 3)
                .Select(i => http.SendAsync(Post(GeminiPath(), GeminiBody($"sigterm-call-{i}")), Ct))
                .ToList();
            await WaitUntilAsync(() => provider.Calls.Count >= 3, "the three calls reach the provider");

            proxy.SendTerminate();

            // New connections after the signal: refused, or a clean 503 while it drains; never a
            // 500 or a response cut short. A closing server refuses in three ways, all before a
            // byte of a response: the connection is refused (the listener is gone), reset (it sat in
            // the listen backlog when the listener closed) or closed (Kestrel had accepted it but
            // will serve no new request on it). Each probe is a socket of its own, read raw.
            var probeRequest = RawHttpRequest.Build("GET", "/health/live");
            var seen = new List<string>();
            using (var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct))
            {
                guard.CancelAfter(TimeSpan.FromSeconds(60));
                while (true)
                {
                    var probe = await RawHttpConnection.ExchangeAsync(new Uri(proxy.Url), probeRequest, guard.Token);
                    seen.Add($"{probe.Outcome} {probe.Detail}");
                    Assert.True(probe.Outcome != RawHttpOutcome.CutShort, "a response during shutdown was cut short: " + string.Join("; ", seen));
                    if (probe.Outcome is RawHttpOutcome.ConnectionRefused or RawHttpOutcome.ClosedBeforeAnswer)
                    {
                        break;
                    }

                    Assert.True(probe.Response!.Status is 200 or 503, $"a request during shutdown answered {probe.Response.Status}");
                    if (probe.Response.Status == 503)
                    {
                        break;
                    }

                    await Task.Delay(50, guard.Token);
                }
            }

            Assert.False(proxy.HasExited, "the proxy exited before its in-flight calls were answered");
            release.SetResult();
            foreach (var call in inFlight)
            {
                using var response = await call;
                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"an in-flight call answered {(int)response.StatusCode}: {body}");
                Assert.Contains(FakeProvider.GeminiAnswer, body, StringComparison.Ordinal);
            }

            Assert.True(await proxy.WaitForExitAsync(TimeSpan.FromSeconds(60)), "the proxy did not exit after SIGTERM. Output:\n" + proxy.Output);
            Assert.True(proxy.ExitCode == 0, $"exit code {proxy.ExitCode}. Output:\n{proxy.Output}");
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(60));
        while (!condition())
        {
            try
            {
                await Task.Delay(20, guard.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException("Timed out waiting until " + what + ".");
            }
        }
    }
}
