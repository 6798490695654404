using System.Globalization;

namespace PocketCode.Testing;

/// <summary>
/// Resident set size now (VmRSS) and its peak (VmHWM), in bytes, of a process from
/// <c>/proc/PID/status</c> (Linux). <see cref="StartPeak"/> follows the peak over one phase.
/// </summary>
public readonly record struct ProcessMemory(long Rss, long Peak)
{
    public double RssMiB => Rss / (1024.0 * 1024.0);

    public double PeakMiB => Peak / (1024.0 * 1024.0);

    public static ProcessMemory Read(int pid)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line);
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line);
            }
        }

        return new ProcessMemory(rss, peak);
    }

    /// <summary>
    /// Starts following the peak resident size of <paramref name="pid"/>: resets the kernel's peak
    /// (<c>/proc/PID/clear_refs</c> ← 5, allowed for our own child) and also polls VmRSS every few
    /// milliseconds, so the phase's peak is known even where the reset is not permitted.
    /// </summary>
    public static PeakWatch StartPeak(int pid)
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

        return new PeakWatch(pid, reset);
    }

    // "VmRSS:\t   20480 kB"
    private static long Kilobytes(string line) =>
        long.Parse(line.AsSpan(line.IndexOf(':', StringComparison.Ordinal) + 1).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;

    /// <summary>Polls the resident size until disposed; <see cref="Peak"/> is the highest seen (or the kernel's peak if higher).</summary>
    public sealed class PeakWatch : IAsyncDisposable
    {
        private readonly int _pid;
        private readonly bool _kernelPeak;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _polling;
        private long _polled;

        internal PeakWatch(int pid, bool kernelPeak)
        {
            _pid = pid;
            _kernelPeak = kernelPeak;
            _polled = Read(pid).Rss;
            _polling = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    _polled = Math.Max(_polled, Read(_pid).Rss);
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

        public long Peak
        {
            get
            {
                var now = Read(_pid);
                return Math.Max(_polled, _kernelPeak ? now.Peak : now.Rss);
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _polling;
            _stop.Dispose();
        }
    }
}
