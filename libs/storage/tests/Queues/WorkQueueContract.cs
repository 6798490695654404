using System.Text;
using PocketCode.Storage.Queues;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>A running service with one queue: its handler and dead-letter handler, and the port to publish with.</summary>
public interface IQueueHarness : IAsyncDisposable
{
    IWorkQueue Queue { get; }
}

/// <summary>
/// What every <see cref="IWorkQueue"/> adapter must do, run by one subclass per adapter: each test
/// starts a harness with a fresh queue of its own, so tests never see each other's items.
/// </summary>
public abstract class WorkQueueContract
{
    protected const int MaxAttempts = 5;

    /// <summary>Handlers run at most this long (the timeout test's handler overruns it).</summary>
    protected static readonly TimeSpan HandlerTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Whether the adapter promises one delivery per item when every handler succeeds (embedded yes; Pub/Sub is at-least-once).</summary>
    protected abstract bool DeliversExactlyOnceWhenHandlersSucceed { get; }

    /// <param name="ordered">Whether the queue is set up for ordering keys (on Pub/Sub a property of the subscription; the embedded queue always orders).</param>
    internal abstract Task<IQueueHarness> StartAsync(string queue, RecordingHandler handler, RecordingHandler deadLetters, bool ordered = false);

    protected static string NewQueue() => "q" + Guid.NewGuid().ToString("N")[..12];

    private static WorkMessage Text(string text, string? orderingKey = null, Dictionary<string, string>? attributes = null) => new()
    {
        Payload = Encoding.UTF8.GetBytes(text),
        OrderingKey = orderingKey,
        Attributes = attributes ?? [],
    };

    [Fact]
    public async Task Published_item_is_delivered_with_its_payload_attributes_and_id()
    {
        var handler = new RecordingHandler();
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, handler, new RecordingHandler());

        var id = await harness.Queue.PublishAsync(queue, Text("héllo ✓", attributes: new() { ["build"] = "b-1", ["step"] = "push" }) with { Id = "build-b-1-push" }, Ct);

        await handler.WaitUntilAsync(() => !handler.Deliveries.IsEmpty, "the delivery");
        var item = Assert.Single(handler.Deliveries.DistinctBy(d => d.Id));
        Assert.Equal("build-b-1-push", id);
        Assert.Equal(id, item.Id);
        Assert.Equal(queue, item.Queue);
        Assert.Equal("héllo ✓", Encoding.UTF8.GetString(item.Payload.Span));
        Assert.Equal(new Dictionary<string, string> { ["build"] = "b-1", ["step"] = "push" }, item.Attributes);
        Assert.Null(item.OrderingKey);
    }

    [Fact]
    public async Task Item_whose_handler_throws_is_redelivered()
    {
        var handler = new RecordingHandler((_, attempt, _) => attempt < 3 ? throw new InvalidOperationException("transient") : Task.CompletedTask);
        var queue = NewQueue();
        var deadLetters = new RecordingHandler();
        await using var harness = await StartAsync(queue, handler, deadLetters);

        var id = await harness.Queue.PublishAsync(queue, Text("retry me"), Ct);

        await handler.WaitUntilAsync(() => !handler.Deliveries.IsEmpty, "the third attempt to succeed");
        Assert.Equal(3, handler.AttemptsOf(id));
        Assert.Empty(deadLetters.Deliveries);
    }

    [Fact]
    public async Task Item_whose_handler_overruns_the_timeout_is_redelivered()
    {
        var firstCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handler = new RecordingHandler(async (_, attempt, ct) =>
        {
            if (attempt == 1)
            {
                using var signal = ct.Register(() => firstCancelled.TrySetResult());
                await Task.Delay(Timeout.Infinite, ct); // Hangs until the queue gives up on it.
            }
        });
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, handler, new RecordingHandler());

        var id = await harness.Queue.PublishAsync(queue, Text("slow once"), Ct);

        await handler.WaitUntilAsync(() => !handler.Deliveries.IsEmpty, "the second attempt to succeed");
        Assert.Equal(2, handler.AttemptsOf(id));
        // The overrunning attempt was told to stop (not merely outlived by a lease or a redelivery).
        await firstCancelled.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    [Fact]
    public async Task Item_failing_every_attempt_goes_to_the_dead_letter_handler_once()
    {
        var handler = new RecordingHandler((_, _, _) => throw new InvalidOperationException("always"));
        var deadLetters = new RecordingHandler();
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, handler, deadLetters);

        var id = await harness.Queue.PublishAsync(queue, Text("doomed", attributes: new() { ["build"] = "b-9" }), Ct);

        await deadLetters.WaitUntilAsync(() => !deadLetters.Deliveries.IsEmpty, "the dead-letter handler", state: () => $"The handler saw {handler.AttemptsOf(id)} attempts.");
        var dead = Assert.Single(deadLetters.Deliveries);
        Assert.Equal(id, dead.Id);
        Assert.Equal("doomed", Encoding.UTF8.GetString(dead.Payload.Span));
        Assert.Equal("b-9", dead.Attributes["build"]);
        Assert.Equal(MaxAttempts, handler.AttemptsOf(id));
        Assert.Equal(1, deadLetters.AttemptsOf(id));
    }

    [Fact]
    public async Task Items_with_one_ordering_key_are_delivered_in_publish_order()
    {
        // Random short awaits let deliveries overtake each other unless the queue keeps the key's order.
        var handler = new RecordingHandler((_, _, ct) => Task.Delay(Random.Shared.Next(0, 15), ct));
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, handler, new RecordingHandler(), ordered: true);
        const int count = 25;

        var published = new List<string>();
        for (var i = 0; i < count; i++)
        {
            published.Add(await harness.Queue.PublishAsync(queue, Text($"step {i}", orderingKey: "build-42"), Ct));
        }

        await handler.WaitUntilAsync(() => handler.Deliveries.Select(d => d.Id).Distinct().Count() == count, "every ordered item");
        // Redeliveries may repeat items; the first deliveries must follow the publish order.
        Assert.Equal(published, handler.Deliveries.Select(d => d.Id).Distinct());
        Assert.All(handler.Deliveries, d => Assert.Equal("build-42", d.OrderingKey));
    }

    [Fact]
    public async Task Two_hundred_items_published_at_once_are_all_delivered()
    {
        var handler = new RecordingHandler();
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, handler, new RecordingHandler());
        const int count = 200;

        var ids = await Task.WhenAll(Enumerable.Range(0, count).Select(i => harness.Queue.PublishAsync(queue, Text($"item {i}"), Ct)));

        await handler.WaitUntilAsync(() => handler.Deliveries.Select(d => d.Id).Distinct().Count() == count, "all 200 items", timeoutSeconds: 120);
        var perItem = handler.Deliveries.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(ids.Order(), perItem.Keys.Order());
        var duplicates = perItem.Values.Sum(n => n - 1);
        TestContext.Current.TestOutputHelper?.WriteLine($"{GetType().Name}: {count} items, {handler.Deliveries.Count} deliveries, {duplicates} duplicate deliveries.");
        if (DeliversExactlyOnceWhenHandlersSucceed)
        {
            Assert.Equal(0, duplicates);
        }
    }

    [Fact]
    public async Task Publish_refuses_a_bad_queue_name_or_reserved_attribute()
    {
        var queue = NewQueue();
        await using var harness = await StartAsync(queue, new RecordingHandler(), new RecordingHandler());

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Queue.PublishAsync("Not A Queue", Text("x"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Queue.PublishAsync(queue, Text("x", attributes: new() { [WorkQueueNames.ReservedAttributePrefix + "id"] = "forged" }), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Queue.PublishAsync(queue, Text("x") with { Id = "" }, Ct));
    }
}
