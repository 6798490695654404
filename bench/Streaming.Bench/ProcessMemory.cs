using System.Globalization;

namespace PocketCode.Streaming.Bench;

/// <summary>
/// Resident memory of another process from <c>/proc/PID/status</c> (Linux): the current
/// <c>VmRSS</c> and the peak <c>VmHWM</c>. <see cref="StartPeakAsync"/> resets the kernel's peak
/// (<c>/proc/PID/clear_refs</c> ← 5, allowed for our own child) and also polls VmRSS every few
/// milliseconds, so a phase's peak is known even where the reset is not permitted.
/// </summary>
internal sealed class ProcessMemory(int pid)
{
    public long RssBytes => Read("VmRSS:");

    public long PeakBytes => Read("VmHWM:");

    public PeakWatch StartPeak()
    {
        bool reset;
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            reset = true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Polling alone still sees the peak within a few milliseconds.
            reset = false;
        }

        return new PeakWatch(this, reset);
    }

    private long Read(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
            {
                var kb = line[field.Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }

    /// <summary>Polls the resident size until disposed; <see cref="Peak"/> is the highest seen (or the kernel's peak if higher).</summary>
    internal sealed class PeakWatch : IAsyncDisposable
    {
        private readonly ProcessMemory _memory;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _polling;
        private long _polled;

        private readonly bool _kernelPeak;

        public PeakWatch(ProcessMemory memory, bool kernelPeak)
        {
            _memory = memory;
            _kernelPeak = kernelPeak;
            _polled = memory.RssBytes;
            _polling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _polled = Math.Max(_polled, _memory.RssBytes);
                    try
                    {
                        await Task.Delay(5, _stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public long Peak => _kernelPeak ? Math.Max(_polled, _memory.PeakBytes) : Math.Max(_polled, _memory.RssBytes);

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _polling;
            _stop.Dispose();
        }
    }
}
