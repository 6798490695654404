using System.Net.Http.Json;
using System.Text;
using PocketCode.ApiProxy.Tests.Infrastructure;
using PocketCode.Testing;
using Xunit;

// Scans every log line the whole API proxy test assembly captured for the registered secrets when it ends.
[assembly: AssemblyFixture(typeof(SuiteLogScan))]

namespace PocketCode.ApiProxy.Tests.Security;

/// <summary>
/// The platform's and users' AI keys never reach a log: AI calls on the platform key and on a user's
/// own key, then every line the test process captured so far is scanned (<see cref="SuiteLogScan"/>
/// repeats it over the whole assembly at its end).
/// </summary>
public sealed class LogRedactionTests(ProxyFactory factory) : IClassFixture<ProxyFactory>
{
    [Fact]
    public async Task No_ai_key_or_token_appears_in_any_log_line()
    {
        SecretScan.Register("platform Gemini key", TestKeys.PlatformGemini);
        SecretScan.Register("platform OpenAI key", TestKeys.PlatformOpenAi);
        SecretScan.Register("user Gemini key", TestKeys.UserGemini("log-scan-own"));
        SecretScan.Register("user OpenAI key", TestKeys.UserOpenAi("log-scan-own"));

        using var platform = await factory.CreateClientForAsync("log-scan-platform");
        using (var call = await platform.PostAsync("/proxy/ai/gemini/v1beta/models/gemini-2.5-flash:generateContent",
                   new StringContent("""{"contents":[{"parts":[{"text":"hi"}]}]}""", Encoding.UTF8, "application/json"), Ct))
        {
            Assert.True(call.IsSuccessStatusCode, await call.Content.ReadAsStringAsync(Ct));
        }

        await factory.StoreOwnKeyAsync("log-scan-own", "gemini", TestKeys.UserGemini("log-scan-own"));
        using var own = await factory.CreateClientForAsync("log-scan-own");
        using (await own.PostAsync("/proxy/ai/gemini/v1beta/models/gemini-2.5-flash:generateContent",
                   new StringContent("""{"contents":[{"parts":[{"text":"hi"}]}]}""", Encoding.UTF8, "application/json"), Ct))
        using (await own.GetAsync("/proxy/v1/usage", Ct))
        {
        }

        Assert.NotEmpty(LogCapture.Suite.Lines);
        SecretScan.AssertNoLeaksInSuiteLogs();
    }
}
