using System.Collections.Concurrent;
using System.Threading.Channels;
using PocketCode.Storage.Queues;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>
/// A handler that records every delivery and behaves as the test says per attempt (the attempt is
/// counted here, per item id, since Pub/Sub push does not always tell). Tests wait on
/// <see cref="WaitUntilAsync"/>, which wakes on each delivery: no sleeping, no polling.
/// </summary>
internal sealed class RecordingHandler(Func<WorkItem, int, CancellationToken, Task>? behave = null) : IWorkHandler, IDeadLetterHandler
{
    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private readonly Channel<bool> _changed = Channel.CreateUnbounded<bool>();

    public ConcurrentQueue<WorkItem> Deliveries { get; } = new();

    public int AttemptsOf(string id) => _attempts.GetValueOrDefault(id);

    public async Task HandleAsync(WorkItem item, CancellationToken cancellationToken)
    {
        var attempt = _attempts.AddOrUpdate(item.Id, 1, (_, n) => n + 1);
        try
        {
            if (behave is not null)
            {
                await behave(item, attempt, cancellationToken);
            }

            Deliveries.Enqueue(item);
        }
        finally
        {
            _changed.Writer.TryWrite(true);
        }
    }

    /// <summary>Returns once <paramref name="condition"/> holds, failing the test after a generous timeout.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, string what, int timeoutSeconds = 60, Func<string>? state = null)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        while (!condition())
        {
            try
            {
                await _changed.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
            {
                Assert.Fail($"Timed out after {timeoutSeconds} s waiting for {what}. {state?.Invoke()}");
            }
        }
    }
}
