using System.Security.Cryptography;

namespace PocketCode.Storage.Tests.Contracts;

/// <summary>A read-only, non-seekable stream of deterministic bytes, so large uploads need no memory or disk.</summary>
public sealed class PatternStream(long length) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public static byte At(long offset) => (byte)((offset * 31) ^ (offset >> 11));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, length - _position);
        for (var i = 0; i < n; i++)
        {
            buffer[i] = At(_position + i);
        }

        _position += n;
        return n;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public static byte[] Sha256Of(long length)
    {
        using var stream = new PatternStream(length);
        return SHA256.HashData(stream);
    }
}

/// <summary>
/// Samples the live managed heap while alive and reports the largest growth over the start. Each
/// sample collects first: uncollected garbage, most of it from the tests running in parallel in the
/// same process, would otherwise count, and how much of it there is depends on when the GC last ran.
/// </summary>
public sealed class ManagedMemoryMonitor : IDisposable
{
    private readonly long _baseline;
    private readonly Timer _timer;
    private long _peak;
    private int _sampling;

    public ManagedMemoryMonitor()
    {
        _baseline = LiveBytes();
        _peak = _baseline;
        _timer = new Timer(_ => Sample(), null, TimeSpan.Zero, TimeSpan.FromMilliseconds(100));
    }

    public long PeakGrowthBytes
    {
        get
        {
            Sample();
            return Interlocked.Read(ref _peak) - _baseline;
        }
    }

    private static long LiveBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
        return GC.GetTotalMemory(forceFullCollection: false);
    }

    private void Sample()
    {
        // One sample at a time: a collection can outlast the timer's period on a loaded machine.
        if (Interlocked.Exchange(ref _sampling, 1) == 1)
        {
            return;
        }

        try
        {
            var now = LiveBytes();
            long seen;
            while (now > (seen = Interlocked.Read(ref _peak)) && Interlocked.CompareExchange(ref _peak, now, seen) != seen)
            {
            }
        }
        finally
        {
            Volatile.Write(ref _sampling, 0);
        }
    }

    public void Dispose() => _timer.Dispose();
}
