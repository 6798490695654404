using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Bff.Tests.Faults;

/// <summary>The BFF on a Firestore emulator of its own, which the test stops and starts again on the same port.</summary>
internal sealed class OwnEmulatorBff(string emulatorHost) : ServiceFactory<Program>
{
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.UseSetting(FirestoreEmulator.HostVariable, emulatorHost);
        builder.UseSetting("DOCUMENT_STORE", "firestore");
        builder.UseSetting("BLOB_STORE", "local");
    }
}

/// <summary>
/// The document store goes away under a running BFF and comes back. What this proves with the
/// Firestore emulator (which keeps its data in memory, so a restarted emulator starts empty): readiness
/// goes down while it is gone and comes back after; a write during the outage is a clean 503 problem
/// (not a 500) and leaves nothing behind; writes acknowledged after it is back are readable. That no
/// acknowledged write is lost across a restart of the store itself is shown on the embedded store,
/// where the store's data outlives the process (<see cref="RestartTests"/>).
/// </summary>
public sealed class DocumentStoreRestartTests
{
    [Fact]
    public async Task Readiness_goes_down_writes_get_503_and_both_come_back_when_the_store_returns()
    {
        var emulator = await FirestoreEmulator.StartOwnAsync(0, Ct);
        var port = int.Parse(emulator.Host.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            await using var bff = new OwnEmulatorBff(emulator.Host) { ProjectId = FirestoreEmulator.NewProjectId() };
            using var client = await bff.CreateClientForAsync("outage-user");
            using var anonymous = bff.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/health/ready", Ct)).StatusCode);
            var before = (await client.CreateProjectAsync("Before", "com.example.before")).GetProperty("id").GetString();
            Assert.Contains(before, await ProjectIdsAsync(client));

            await emulator.DisposeAsync();

            await WaitForReadinessAsync(anonymous, HttpStatusCode.ServiceUnavailable);
            using (var during = await client.PostAsJsonAsync("/v1/projects", new { name = "During", applicationId = "com.example.during" }, Ct))
            {
                Assert.True(during.StatusCode != HttpStatusCode.InternalServerError, "500 during the outage; log:\n" + string.Join("\n", bff.Logs.Lines.Where(l => l.Contains("xception", StringComparison.Ordinal)).TakeLast(3)));
                await ProblemAssert.IsProblemAsync(during, HttpStatusCode.ServiceUnavailable, "service_unavailable");
            }

            emulator = await FirestoreEmulator.StartOwnAsync(port, Ct);

            await WaitForReadinessAsync(anonymous, HttpStatusCode.OK);
            var after = (await client.CreateProjectAsync("After", "com.example.after")).GetProperty("id").GetString();
            using var list = await client.GetAsync("/v1/projects", Ct);
            var names = JsonDocument.Parse(await list.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("projects").EnumerateArray()
                .Select(p => p.GetProperty("name").GetString()).ToList();
            Assert.Contains("After", names);
            Assert.DoesNotContain("During", names);
            Assert.Contains(after, await ProjectIdsAsync(client));
        }
        finally
        {
            await emulator.DisposeAsync();
        }
    }

    private static async Task<List<string?>> ProjectIdsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/projects", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("projects").EnumerateArray()
            .Select(p => p.GetProperty("id").GetString()).ToList();
    }

    // The timeout only guards against a hang; no timing is asserted.
    private static async Task WaitForReadinessAsync(HttpClient anonymous, HttpStatusCode expected)
    {
        using var guard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        guard.CancelAfter(TimeSpan.FromSeconds(90));
        var last = HttpStatusCode.OK;
        while (true)
        {
            using (var response = await anonymous.GetAsync("/health/ready", guard.Token))
            {
                last = response.StatusCode;
                if (last == expected)
                {
                    return;
                }
            }

            try
            {
                await Task.Delay(200, guard.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                throw new TimeoutException($"/health/ready never answered {(int)expected} (last {(int)last}).");
            }
        }
    }
}
