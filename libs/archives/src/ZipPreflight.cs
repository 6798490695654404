using System.Buffers.Binary;

namespace PocketCode.Archives;

/// <summary>
/// Counts a zip's entries by walking its central directory headers without allocating anything
/// per entry. <see cref="System.IO.Compression.ZipArchive"/> materialises every entry when it
/// opens an archive, so a small upload made of a million tiny headers would cost hundreds of
/// megabytes before the entry limit could be checked; this walk checks it first.
/// </summary>
public static class ZipPreflight
{
    private const uint EndOfCentralDirectory = 0x06054b50;
    private const uint Zip64EndOfCentralDirectory = 0x06064b50;
    private const uint Zip64Locator = 0x07064b50;
    private const uint CentralDirectoryHeader = 0x02014b50;
    private const int EndRecordSize = 22;
    private const int CentralHeaderSize = 46;

    /// <summary>
    /// The number of central directory headers, or <c>limit + 1</c> as soon as there are more
    /// than <paramref name="limit"/>; <c>null</c> when the file has no zip structure at all.
    /// </summary>
    public static async Task<long?> CountEntriesAsync(FileStream zip, long limit, CancellationToken cancellationToken)
    {
        var length = zip.Length;
        if (length < EndRecordSize)
        {
            return null;
        }

        // The end record sits in the last 22 bytes plus at most a 64 KB comment.
        var tailLength = (int)Math.Min(length, EndRecordSize + ushort.MaxValue);
        var tail = new byte[tailLength];
        zip.Position = length - tailLength;
        await zip.ReadExactlyAsync(tail, cancellationToken);
        var end = -1;
        for (var i = tailLength - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndOfCentralDirectory)
            {
                end = i;
                break;
            }
        }

        if (end < 0)
        {
            return null;
        }

        long directoryStart = BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(end + 16));
        var endPosition = length - tailLength + end;
        if (directoryStart == uint.MaxValue && endPosition >= 20)
        {
            // Zip64: the locator right before the end record points at the zip64 end record.
            var locator = new byte[20];
            zip.Position = endPosition - 20;
            await zip.ReadExactlyAsync(locator, cancellationToken);
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) == Zip64Locator)
            {
                var record = new byte[56];
                var recordPosition = BinaryPrimitives.ReadInt64LittleEndian(locator.AsSpan(8));
                if (recordPosition < 0 || recordPosition > length - record.Length)
                {
                    return null;
                }

                zip.Position = recordPosition;
                await zip.ReadExactlyAsync(record, cancellationToken);
                if (BinaryPrimitives.ReadUInt32LittleEndian(record) != Zip64EndOfCentralDirectory)
                {
                    return null;
                }

                directoryStart = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(48));
            }
        }

        if (directoryStart < 0 || directoryStart > length)
        {
            return null;
        }

        // Walk header to header, as ZipArchive will, skipping names, extra fields and comments.
        var header = new byte[CentralHeaderSize];
        long count = 0;
        var position = directoryStart;
        while (position + CentralHeaderSize <= length)
        {
            zip.Position = position;
            await zip.ReadExactlyAsync(header, cancellationToken);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != CentralDirectoryHeader)
            {
                break;
            }

            if (++count > limit)
            {
                return count;
            }

            position += CentralHeaderSize
                + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(28))
                + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(30))
                + BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(32));
        }

        return count;
    }
}
