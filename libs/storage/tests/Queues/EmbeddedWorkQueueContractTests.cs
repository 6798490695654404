using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Queues;
using PocketCode.Storage.Sqlite;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>The contract on the embedded adapter: a host with the dispatcher on a SQLite file of the test's own.</summary>
public sealed class EmbeddedWorkQueueContractTests : WorkQueueContract, IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pocketcode-queue-");

    private string DatabasePath => Path.Combine(_folder.FullName, "documents.db");

    protected override bool DeliversExactlyOnceWhenHandlersSucceed => true;

    private WorkQueueOptions Options(TimeSpan? handlerTimeout = null) => new()
    {
        Kind = WorkQueueKind.Embedded,
        DatabasePath = DatabasePath,
        MaxAttempts = MaxAttempts,
        MinBackoff = TimeSpan.FromMilliseconds(20),
        MaxBackoff = TimeSpan.FromMilliseconds(200),
        HandlerTimeout = handlerTimeout ?? HandlerTimeout,
    };

    internal override Task<IQueueHarness> StartAsync(string queue, RecordingHandler handler, RecordingHandler deadLetters, bool ordered) =>
        StartHostAsync(Options(), queue, handler, deadLetters);

    private static async Task<IQueueHarness> StartHostAsync(WorkQueueOptions options, string queue, RecordingHandler handler, RecordingHandler deadLetters)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = Environments.Production });
        builder.Logging.ClearProviders();
        builder.Services.AddPocketCodeWorkQueue(options)
            .AddWorkHandler(queue, handler)
            .AddDeadLetterHandler(queue, deadLetters);
        var host = builder.Build();
        await host.StartAsync(Ct);
        return new HostHarness(host);
    }

    [Fact]
    public async Task Items_published_before_a_restart_are_delivered_after_it()
    {
        var queue = NewQueue();
        var published = new List<string>();
        // The "process" that publishes has no handler for the queue, so nothing is delivered before it stops.
        await using (var before = await StartHostAsync(Options(), NewQueue(), new RecordingHandler(), new RecordingHandler()))
        {
            for (var i = 0; i < 5; i++)
            {
                published.Add(await before.Queue.PublishAsync(queue, new WorkMessage { Payload = Encoding.UTF8.GetBytes($"kept {i}") }, Ct));
            }
        }

        SqliteConnection.ClearAllPools();
        var handler = new RecordingHandler();
        await using var after = await StartHostAsync(Options(), queue, handler, new RecordingHandler());

        await handler.WaitUntilAsync(() => handler.Deliveries.Count == published.Count, "the items of the earlier run");
        Assert.Equal(published.Order(), handler.Deliveries.Select(d => d.Id).Order());
    }

    [Fact]
    public async Task Delivery_claimed_by_a_process_that_died_is_retried_after_its_lease()
    {
        var queue = NewQueue();
        var options = Options(handlerTimeout: TimeSpan.FromSeconds(1));
        var store = new SqliteWorkQueue(options, TimeProvider.System);
        var id = await store.PublishAsync(queue, new WorkMessage { Payload = Encoding.UTF8.GetBytes("orphaned") }, Ct);
        // A dispatcher claimed it and its process died before recording any outcome.
        var claimed = Assert.Single(store.Claim([queue], 10, TimeSpan.FromSeconds(1)));
        Assert.Equal(id, claimed.Item.Id);
        Assert.Empty(store.Claim([queue], 10, TimeSpan.FromSeconds(1)));

        var handler = new RecordingHandler();
        await using var harness = await StartHostAsync(options, queue, handler, new RecordingHandler());

        await handler.WaitUntilAsync(() => !handler.Deliveries.IsEmpty, "the redelivery after the lease");
        Assert.Equal(2, Assert.Single(handler.Deliveries).Attempt); // The dead process's claim counted as an attempt.
    }

    [Fact]
    public async Task Queue_shares_the_document_store_file_and_leaves_no_row_behind()
    {
        var documents = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = DatabasePath });
        var collection = "c" + Guid.NewGuid().ToString("N")[..8];
        await documents.CreateAsync($"{collection}/d", new Dictionary<string, object?> { ["v"] = 1L }, Ct);
        var handler = new RecordingHandler();
        var deadLetters = new RecordingHandler();
        var queue = NewQueue();
        await using (var harness = await StartHostAsync(Options(), queue, new RecordingHandler((item, _, _) => item.Id == "fails" ? throw new InvalidOperationException("no") : handler.HandleAsync(item, Ct)), deadLetters))
        {
            await harness.Queue.PublishAsync(queue, new WorkMessage { Id = "works", Payload = "a"u8.ToArray() }, Ct);
            await harness.Queue.PublishAsync(queue, new WorkMessage { Id = "fails", Payload = "b"u8.ToArray() }, Ct);
            await handler.WaitUntilAsync(() => !handler.Deliveries.IsEmpty, "the good item");
            await deadLetters.WaitUntilAsync(() => !deadLetters.Deliveries.IsEmpty, "the dead letter");
        }

        Assert.Equal(1L, (await documents.GetAsync($"{collection}/d", Ct))!.GetInt64("v"));
        using var connection = new SqliteConnection($"Data Source={DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM work_items";
        Assert.Equal(0L, (long)command.ExecuteScalar()!);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }

    private sealed class HostHarness(IHost host) : IQueueHarness
    {
        public IWorkQueue Queue => host.Services.GetRequiredService<IWorkQueue>();

        public async ValueTask DisposeAsync()
        {
            await host.StopAsync(CancellationToken.None);
            host.Dispose();
        }
    }
}
