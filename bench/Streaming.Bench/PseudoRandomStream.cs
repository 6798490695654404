using System.Buffers.Binary;

namespace PocketCode.Streaming.Bench;

/// <summary>
/// A read-only stream of <see cref="Length"/> incompressible pseudo-random bytes (xorshift64*,
/// seeded), produced as it is read: 500 MB of content never sits in the bench's memory. The same
/// seed gives the same bytes, so uploads and downloads can be compared by hash.
/// </summary>
internal sealed class PseudoRandomStream(long length, ulong seed) : Stream
{
    private ulong _state = seed | 1;
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

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        // Whole 8-byte words only (except at the very end), so the sequence does not depend on read sizes.
        var count = (int)Math.Min(buffer.Length & ~7, length - _position);
        if (count <= 0 && buffer.Length > 0 && _position < length)
        {
            count = (int)Math.Min(buffer.Length, length - _position);
        }

        var i = 0;
        Span<byte> word = stackalloc byte[8];
        for (; i < count; i += 8)
        {
            _state ^= _state >> 12;
            _state ^= _state << 25;
            _state ^= _state >> 27;
            BinaryPrimitives.WriteUInt64LittleEndian(word, _state * 0x2545F4914F6CDD1DUL);
            word[..Math.Min(8, count - i)].CopyTo(buffer[i..]);
        }

        _position += count;
        return count;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
