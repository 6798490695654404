using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace PocketCode.Storage.Queues;

/// <summary>
/// Delivers the embedded queue's items in this process through <see cref="WorkDelivery"/>, with the
/// rules Pub/Sub applies: failure redelivers after a doubling back-off, the last failed attempt
/// moves the item to its dead-letter path, and a claim is a lease, so work of a process that died
/// mid-delivery is picked up again once it ends. Items left in the file by a previous run are
/// simply due, so delivery resumes after a restart. Idle when the queue is Pub/Sub.
/// </summary>
internal sealed partial class EmbeddedWorkDispatcher(IServiceProvider services, WorkQueueOptions options, ILogger<EmbeddedWorkDispatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Kind != WorkQueueKind.Embedded || services.GetRequiredService<IWorkQueue>() is not SqliteWorkQueue queue)
        {
            return;
        }

        var queues = services.GetServices<WorkQueueRegistration>().Select(r => r.Queue).Distinct(StringComparer.Ordinal).ToArray();
        if (queues.Length == 0)
        {
            return;
        }

        var delivery = services.GetRequiredService<WorkDelivery>();
        // Long enough that a live delivery (cut at the handler timeout) never loses its claim.
        var lease = options.HandlerTimeout + TimeSpan.FromSeconds(5);
        var running = new HashSet<Task>();
        queue.Published += Wake;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                running.RemoveWhere(task => task.IsCompleted);
                var free = options.Concurrency - running.Count;
                IReadOnlyList<ClaimedWorkItem> claimed = [];
                try
                {
                    claimed = queue.Claim(queues, free, lease);
                }
                catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
                {
                    LogStoreFailed(ex);
                }

                foreach (var item in claimed)
                {
                    running.Add(DeliverAsync(queue, delivery, item, stoppingToken));
                }

                if (free > 0 && claimed.Count == free)
                {
                    continue; // There may be more due right now.
                }

                var wait = options.PollInterval;
                try
                {
                    if (free > 0 && queue.NextDue(queues) is { } next)
                    {
                        var untilDue = TimeSpan.FromMilliseconds(Math.Max(0, next - queue.Now()));
                        wait = untilDue < wait ? untilDue : wait;
                    }
                }
                catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
                {
                    LogStoreFailed(ex);
                }

                await _wake.WaitAsync(wait, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: claimed items not finished are leased and come back after the lease.
        }
        finally
        {
            queue.Published -= Wake;
            await Task.WhenAll(running).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void Wake() => _wake.Release();

    private async Task DeliverAsync(SqliteWorkQueue queue, WorkDelivery delivery, ClaimedWorkItem claimed, CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            var attempt = claimed.Item.Attempt ?? 1;
            if (claimed.Dead)
            {
                if (await delivery.DeadLetterAsync(claimed.Item, stoppingToken))
                {
                    queue.Complete(claimed.Sequence);
                }
                else
                {
                    queue.Retry(claimed.Sequence, options.BackoffAfter(attempt));
                }
            }
            else if (await delivery.DeliverAsync(claimed.Item, stoppingToken))
            {
                queue.Complete(claimed.Sequence);
            }
            else if (attempt >= options.MaxAttempts)
            {
                LogDeadLettered(claimed.Item.Queue, claimed.Item.Id, attempt);
                queue.MoveToDeadLetter(claimed.Sequence);
            }
            else
            {
                queue.Retry(claimed.Sequence, options.BackoffAfter(attempt));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping mid-delivery: the lease brings the item back.
        }
        catch (Exception ex) when (ex is Microsoft.Data.Sqlite.SqliteException or IOException)
        {
            // The outcome was not recorded; the lease brings the item back.
            LogStoreFailed(ex);
        }
        finally
        {
            _wake.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Item {ItemId} of queue {Queue} failed all {Attempts} attempts; it goes to the dead-letter handler.")]
    private partial void LogDeadLettered(string queue, string itemId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "The embedded work queue could not reach its SQLite file.")]
    private partial void LogStoreFailed(Exception exception);
}
