using System.Globalization;

namespace PocketCode.Platform;

/// <summary>
/// A forward-only read view of a body that never lets more than <c>limit</c> bytes through. Uploads
/// stream straight into the blob store (nothing is buffered here) while a body without a
/// Content-Length that runs too long is still stopped. What happens at the limit depends on the
/// caller: with <c>tooLarge</c> the read that crosses it throws (the store sees the exception
/// mid-write and keeps nothing; the BFF answers 413); without it the stream ends after
/// <c>limit + 1</c> bytes, so a caller that checks the stored size sees the overrun.
/// </summary>
public sealed class LengthLimitedStream(Stream inner, long limit, Func<Exception>? tooLarge = null) : Stream
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

    /// <summary>The 413 problem of a body over its limit; <paramref name="what"/> names it ("file", "archive").</summary>
    public static ProblemException TooLarge(long limit, string what) => new(
        413,
        ProblemCodes.PayloadTooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The {what} is larger than the limit of {limit} bytes."));

    /// <summary>A view that throws <see cref="TooLarge"/> once more than <paramref name="limit"/> bytes arrive.</summary>
    public static LengthLimitedStream Refusing(Stream inner, long limit, string what) => new(inner, limit, () => TooLarge(limit, what));

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var allowed = Allowed(buffer.Length);
        return allowed == 0 && buffer.Length > 0 ? 0 : Count(inner.Read(buffer[..allowed]));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Past the limit the stream has ended: no zero-byte read of the inner stream, which on a
        // request body would wait for more data.
        var allowed = Allowed(buffer.Length);
        return allowed == 0 && buffer.Length > 0 ? 0 : Count(await inner.ReadAsync(buffer[..allowed], cancellationToken));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>How much of a read to ask for: everything when refusing, at most one byte past the limit when ending.</summary>
    private int Allowed(int requested) =>
        tooLarge is not null ? requested : (int)Math.Clamp(limit + 1 - BytesRead, 0, requested);

    private int Count(int read)
    {
        BytesRead += read;
        if (BytesRead > limit)
        {
            Exceeded = true;
            if (tooLarge is not null)
            {
                throw tooLarge();
            }
        }

        return read;
    }
}
