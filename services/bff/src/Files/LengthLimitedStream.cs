using System.Globalization;
using PocketCode.Platform;

namespace PocketCode.Bff.Files;

/// <summary>
/// A forward-only read view of a request body that fails with a 413 problem as soon as more than
/// <c>limit</c> bytes arrive. It lets uploads stream straight into the blob store (nothing is
/// buffered here) while still refusing bodies without a Content-Length that run too long: the
/// store sees the exception mid-write and keeps nothing of the object.
/// </summary>
internal sealed class LengthLimitedStream(Stream inner, long limit, string what) : Stream
{
    public long BytesRead { get; private set; }

    /// <summary>
    /// True once the limit was crossed; a blob store adapter may wrap the exception thrown from a
    /// read in its own, so callers check this to still answer 413.
    /// </summary>
    public bool Exceeded { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public static ProblemException TooLarge(long limit, string what) => new(
        413,
        ProblemCodes.PayloadTooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The {what} is larger than the limit of {limit} bytes."));

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Count(int read)
    {
        BytesRead += read;
        if (BytesRead > limit)
        {
            Exceeded = true;
            throw TooLarge(limit, what);
        }

        return read;
    }
}
