using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PocketCode.Storage.Queues;

/// <summary>A queue that has a handler registered (<see cref="WorkQueueServiceCollectionExtensions.AddWorkHandler"/>).</summary>
internal sealed record WorkQueueRegistration(string Queue);

/// <summary>
/// Runs one delivery through the handler registered for the item's queue: the one code path both
/// adapters share, so the embedded dispatcher and Pub/Sub push apply the same rules. True means
/// acknowledge; false means the attempt failed (exception, timeout, no handler) and the transport
/// redelivers.
/// </summary>
internal sealed partial class WorkDelivery(IServiceScopeFactory scopes, WorkQueueOptions options, ILogger<WorkDelivery> logger)
{
    public Task<bool> DeliverAsync(WorkItem item, CancellationToken cancellationToken) =>
        RunAsync<IWorkHandler>(item, (handler, ct) => handler.HandleAsync(item, ct), dead: false, cancellationToken);

    public Task<bool> DeadLetterAsync(WorkItem item, CancellationToken cancellationToken) =>
        RunAsync<IDeadLetterHandler>(item, (handler, ct) => handler.HandleAsync(item, ct), dead: true, cancellationToken);

    private async Task<bool> RunAsync<THandler>(WorkItem item, Func<THandler, CancellationToken, Task> run, bool dead, CancellationToken cancellationToken)
        where THandler : class
    {
        await using var scope = scopes.CreateAsyncScope();
        var handler = scope.ServiceProvider.GetKeyedService<THandler>(item.Queue);
        if (handler is null)
        {
            if (dead)
            {
                // Nothing can be done with it: keeping it would only retry for ever.
                LogNoDeadLetterHandler(item.Queue, item.Id);
                return true;
            }

            LogNoHandler(item.Queue, item.Id);
            return false;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.HandlerTimeout);
        Task? running = null;
        try
        {
            running = run(handler, timeout.Token);
            // WaitAsync: a handler that ignores its token still cannot hold the delivery past the timeout.
            await running.WaitAsync(options.HandlerTimeout, cancellationToken);
            return true;
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogFailed(ex, dead ? "dead-letter handler" : "handler", item.Queue, item.Id, item.Attempt);
            return false;
        }
        finally
        {
            // WaitAsync's timer can beat CancelAfter's, and disposing the source would then leave the
            // overrunning handler uncancelled: tell it to stop first.
            if (running is { IsCompleted: false })
            {
                await timeout.CancelAsync();
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The work {Kind} of queue {Queue} failed on item {ItemId} (attempt {Attempt}); it will be redelivered.")]
    private partial void LogFailed(Exception exception, string kind, string queue, string itemId, int? attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "No work handler is registered for queue {Queue}; item {ItemId} will be redelivered.")]
    private partial void LogNoHandler(string queue, string itemId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Item {ItemId} of queue {Queue} failed every attempt and no dead-letter handler is registered; it is dropped.")]
    private partial void LogNoDeadLetterHandler(string queue, string itemId);
}
