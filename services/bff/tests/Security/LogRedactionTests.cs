using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using PocketCode.Testing;
using Xunit;

// Scans every log line the whole BFF test assembly captured for the registered secrets when it ends.
[assembly: AssemblyFixture(typeof(SuiteLogScan))]

namespace PocketCode.Bff.Tests.Security;

/// <summary>
/// Secrets never reach a log: representative flows with every kind of secret in play (vault
/// credentials stored and refused, a webhook with a wrong signature, bearer tokens) at Trace level,
/// then every line the test process captured so far is scanned for them. <see cref="SuiteLogScan"/>
/// repeats the scan over the whole assembly's logs at its end.
/// </summary>
public sealed class LogRedactionTests(LogRedactionFactory factory) : IClassFixture<LogRedactionFactory>
{
    [Fact]
    public async Task No_secret_of_the_flows_or_of_the_suite_so_far_appears_in_any_log_line()
    {
        var gemini = "AIzaSyLogScan" + Random(24);
        var openAi = "sk-logscan-" + Random(32);
        var github = "ghp_LogScan" + Random(30);
        SecretScan.Register("user Gemini key", gemini);
        SecretScan.Register("user OpenAI key", openAi);
        SecretScan.Register("user GitHub token", github);
        SecretScan.Register("webhook secret", LogRedactionFactory.WebhookSecret);

        using var client = await factory.CreateClientForAsync("log-scan-user");
        using (var stored = await client.PutAsJsonAsync("/v1/me/credentials/gemini", new { apiKey = gemini }, Ct))
        {
            Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync(Ct));
        }

        // Refused values go through validation, the usual place for an echo.
        using (await client.PutAsJsonAsync("/v1/me/credentials/openai", new { apiKey = openAi, baseUrl = "ftp://not-http" }, Ct))
        using (await client.PutAsJsonAsync("/v1/me/credentials/github", new { token = github + "\n" }, Ct))
        using (await client.PutAsJsonAsync("/v1/me/credentials/play", new { serviceAccountJson = "{\"private_key\":\"" + openAi + "\"}" }, Ct))
        using (await client.GetAsync("/v1/me/credentials", Ct))
        {
        }

        using (var hook = new HttpRequestMessage(HttpMethod.Post, "/v1/github/webhooks") { Content = new StringContent("{\"action\":\"completed\"}", Encoding.UTF8, "application/json") })
        {
            hook.Headers.Add("X-GitHub-Event", "workflow_run");
            hook.Headers.Add("X-GitHub-Delivery", Guid.NewGuid().ToString());
            hook.Headers.Add("X-Hub-Signature-256", "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("wrong"), Encoding.UTF8.GetBytes("{}"))));
            using var refused = await factory.CreateClient().SendAsync(hook, Ct);
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        // The vault's encryption keys (Development generates them into the data folder).
        var keyFile = Path.Combine(factory.DataDirectory, "credentials-keys.dev");
        Assert.True(File.Exists(keyFile), "the Development vault keys are where the scan expects them");
        foreach (var entry in (await File.ReadAllTextAsync(keyFile, Ct)).Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            SecretScan.Register("vault encryption key", entry[(entry.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        }

        Assert.NotEmpty(LogCapture.Suite.Lines);
        SecretScan.AssertNoLeaksInSuiteLogs();
    }

    private static string Random(int length) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(length))[..length];
}

/// <summary>The BFF logging everything at Trace, with a webhook secret configured.</summary>
public sealed class LogRedactionFactory : ServiceFactory<Program>
{
    public const string WebhookSecret = "log-scan-webhook-secret-0123456789";

    public LogRedactionFactory()
    {
        LogCapture.AllLevels(Settings);
        Settings["GITHUB_WEBHOOK_SECRET"] = WebhookSecret;
    }
}
