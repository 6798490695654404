namespace PocketCode.Bff.Projects.Archives;

/// <summary>
/// A forward-only, non-seekable write stream in front of the response body. Kestrel forbids
/// synchronous writes, yet <see cref="System.IO.Compression.ZipArchive"/> still makes a few (an
/// entry's stream ends its deflate block and data descriptor in a synchronous Dispose). Those
/// small synchronous writes are kept in a buffer; asynchronous writes pass through whenever the
/// buffer holds <see cref="FlushThreshold"/> bytes, and the exporter flushes after every entry. So
/// at most one threshold's worth plus one entry's trailer is ever held in memory, never the zip.
/// </summary>
internal sealed class AsyncWriteBuffer(Stream inner) : Stream
{
    private const int FlushThreshold = 64 * 1024;

    private readonly MemoryStream _pending = new();
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    /// <summary>Bytes accepted so far; ZipArchive reads it to record entry offsets.</summary>
    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _pending.Write(buffer);
        _written += buffer.Length;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _pending.Write(buffer.Span);
        _written += buffer.Length;
        if (_pending.Length >= FlushThreshold)
        {
            await DrainAsync(cancellationToken);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous flushes come from ZipArchive internals; the data goes out at the next async flush.
    public override void Flush()
    {
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await DrainAsync(cancellationToken);
        await inner.FlushAsync(cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _pending.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_pending.Length == 0)
        {
            return;
        }

        await inner.WriteAsync(_pending.GetBuffer().AsMemory(0, (int)_pending.Length), cancellationToken);
        _pending.SetLength(0);
    }
}
