namespace PocketCode.Storage.Gcs;

/// <summary>Creates a value once on first use; a failed creation is retried by the next caller.</summary>
internal sealed class AsyncLazy<T>(Func<CancellationToken, Task<T>> factory)
    where T : class
{
    private readonly Lock _lock = new();
    private Task<T>? _task;

    public bool TryGetCompleted(out T value)
    {
        lock (_lock)
        {
            value = _task is { IsCompletedSuccessfully: true } task ? task.Result : null!;
            return value is not null;
        }
    }

    public Task<T> GetAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_task is null || _task.IsFaulted || _task.IsCanceled)
            {
                // Shared by all callers, so no single caller's token cancels the creation.
                _task = factory(CancellationToken.None);
            }

            return _task.WaitAsync(cancellationToken);
        }
    }
}
