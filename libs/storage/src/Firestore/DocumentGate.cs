namespace PocketCode.Storage.Firestore;

/// <summary>
/// In-process mutual exclusion per document path, used to run retried transactions on the same
/// documents one at a time. Firestore locks what a transaction reads, so transactions of one process
/// that keep colliding on a document only abort each other again; the emulator resolves such
/// collisions by a two-second lock timeout rather than by priority, which makes the cost severe.
/// Waiting here never changes the outcome, only avoids the collision.
/// </summary>
internal sealed class DocumentGate
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Enters the gates of all <paramref name="paths"/>, in a fixed order so that two callers cannot deadlock.</summary>
    public async Task<Lease> EnterAsync(IEnumerable<string> paths, CancellationToken cancellationToken)
    {
        var lease = new Lease(this);
        try
        {
            foreach (var path in paths.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                Entry entry;
                lock (_entries)
                {
                    if (!_entries.TryGetValue(path, out entry!))
                    {
                        entry = new Entry();
                        _entries.Add(path, entry);
                    }

                    entry.Users++;
                }

                try
                {
                    await entry.Semaphore.WaitAsync(cancellationToken);
                }
                catch
                {
                    Forget(path, entry);
                    throw;
                }

                lease.Held.Add((path, entry));
            }

            return lease;
        }
        catch
        {
            lease.Dispose();
            throw;
        }
    }

    private void Forget(string path, Entry entry)
    {
        lock (_entries)
        {
            if (--entry.Users == 0)
            {
                _entries.Remove(path);
                entry.Semaphore.Dispose();
            }
        }
    }

    internal sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);

        public int Users { get; set; }
    }

    internal sealed class Lease(DocumentGate gate) : IDisposable
    {
        internal List<(string Path, Entry Entry)> Held { get; } = [];

        public void Dispose()
        {
            foreach (var (path, entry) in Held)
            {
                entry.Semaphore.Release();
                gate.Forget(path, entry);
            }

            Held.Clear();
        }
    }
}
