using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace PocketCode.Archives.Tests;

/// <summary>A field of a zip entry's headers: its offset in the local header (-1: not there) and in the central one.</summary>
internal readonly record struct HeaderField(int LocalOffset, int CentralOffset, int Size)
{
    public static readonly HeaderField Flags = new(6, 8, 2);
    public static readonly HeaderField Method = new(8, 10, 2);
    public static readonly HeaderField Crc32 = new(14, 16, 4);
    public static readonly HeaderField UncompressedSize = new(22, 24, 4);
    public static readonly HeaderField ExternalAttributes = new(-1, 38, 4);
}

/// <summary>
/// Zips for the tests: written with System.IO.Compression, then patched in place where a hostile
/// archive needs a header to lie. Patches follow the archive's own structure (end record, central
/// directory, local headers) rather than searching for signatures, so compressed data is never touched.
/// </summary>
internal static class TestZips
{
    public const int UnixRegularFile = 0x8000;
    public const int UnixDirectory = 0x4000;
    public const int UnixSymlink = 0xA000;

    private const uint EndOfCentralDirectory = 0x06054b50;
    private const int EndRecordSize = 22;
    private const int CentralHeaderSize = 46;

    public static byte[] Build(Action<ZipArchive> fill)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
        {
            fill(zip);
        }

        return buffer.ToArray();
    }

    public static void Add(ZipArchive zip, string name, byte[] content, CompressionLevel level = CompressionLevel.Optimal, int? unixMode = null)
    {
        var entry = zip.CreateEntry(name, level);
        if (unixMode is { } mode)
        {
            entry.ExternalAttributes = mode << 16;
        }

        using var stream = entry.Open();
        stream.Write(content);
    }

    public static void Add(ZipArchive zip, string name, string content, CompressionLevel level = CompressionLevel.Optimal, int? unixMode = null) =>
        Add(zip, name, Encoding.UTF8.GetBytes(content), level, unixMode);

    /// <summary>A zip holding one entry per name, each with a little text.</summary>
    public static byte[] Files(params string[] names) => Build(zip =>
    {
        foreach (var name in names)
        {
            Add(zip, name, "content of " + name);
        }
    });

    /// <summary>Writes <paramref name="value"/> into <paramref name="field"/> of every entry, in both headers where the field exists.</summary>
    public static byte[] Patch(byte[] zip, HeaderField field, uint value)
    {
        var patched = (byte[])zip.Clone();
        var end = EndRecordOffset(patched);
        var entries = BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(end + 10));
        var central = (int)BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(end + 16));
        for (var i = 0; i < entries; i++)
        {
            var local = (int)BinaryPrimitives.ReadUInt32LittleEndian(patched.AsSpan(central + 42));
            var next = central + CentralHeaderSize
                + BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(central + 28))
                + BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(central + 30))
                + BinaryPrimitives.ReadUInt16LittleEndian(patched.AsSpan(central + 32));
            Write(patched.AsSpan(central + field.CentralOffset), field.Size, value);
            if (field.LocalOffset >= 0)
            {
                Write(patched.AsSpan(local + field.LocalOffset), field.Size, value);
            }

            central = next;
        }

        return patched;
    }

    /// <summary>Rewrites the end record's entry counts (this disk and total) without touching the directory.</summary>
    public static byte[] WithClaimedEntryCount(byte[] zip, ushort count)
    {
        var patched = (byte[])zip.Clone();
        var end = EndRecordOffset(patched);
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(end + 8), count);
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan(end + 10), count);
        return patched;
    }

    /// <summary>Rewrites where the end record says the central directory starts.</summary>
    public static byte[] WithDirectoryStart(byte[] zip, uint start)
    {
        var patched = (byte[])zip.Clone();
        BinaryPrimitives.WriteUInt32LittleEndian(patched.AsSpan(EndRecordOffset(patched) + 16), start);
        return patched;
    }

    /// <summary>
    /// Turns a plain zip into the zip64 layout: a zip64 end record and its locator before the end
    /// record, whose directory offset then says 0xFFFFFFFF ("see zip64"). <paramref name="recordOffset"/>
    /// overrides where the locator points; <paramref name="recordSignature"/> the record's signature.
    /// </summary>
    public static byte[] WithZip64End(byte[] zip, long? recordOffset = null, uint recordSignature = 0x06064b50)
    {
        var end = EndRecordOffset(zip);
        var entries = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(end + 10));
        var directorySize = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 12));
        var directoryStart = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(end + 16));

        var record = new byte[56];
        BinaryPrimitives.WriteUInt32LittleEndian(record, recordSignature);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(4), 44); // size of the rest of the record
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(12), 45); // version made by
        BinaryPrimitives.WriteUInt16LittleEndian(record.AsSpan(14), 45); // version needed
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(24), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(32), entries);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(40), directorySize);
        BinaryPrimitives.WriteUInt64LittleEndian(record.AsSpan(48), directoryStart);

        var locator = new byte[20];
        BinaryPrimitives.WriteUInt32LittleEndian(locator, 0x07064b50);
        BinaryPrimitives.WriteInt64LittleEndian(locator.AsSpan(8), recordOffset ?? end);
        BinaryPrimitives.WriteUInt32LittleEndian(locator.AsSpan(16), 1); // total disks

        var endRecord = zip.AsSpan(end).ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(endRecord.AsSpan(16), uint.MaxValue);
        return [.. zip.AsSpan(0, end), .. record, .. locator, .. endRecord];
    }

    private static int EndRecordOffset(byte[] zip)
    {
        for (var i = zip.Length - EndRecordSize; i >= 0; i--)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == EndOfCentralDirectory)
            {
                return i;
            }
        }

        throw new ArgumentException("Not a zip: no end of central directory record.", nameof(zip));
    }

    private static void Write(Span<byte> target, int size, uint value)
    {
        if (size == 2)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(target, checked((ushort)value));
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(target, value);
        }
    }
}

/// <summary>
/// A temporary folder per test: the zip is written to <c>in.zip</c> and staged into <c>work/</c>.
/// After every staging, successful or not, nothing may exist beside those two.
/// </summary>
internal sealed class StagingFolder : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("pocketcode-archives-tests-");

    public string Work => Path.Combine(_root.FullName, "work");

    public async Task<IReadOnlyList<StagedZipFile>> StageAsync(byte[] zip, ZipLimits limits)
    {
        // A fresh work folder each time: staged files are named f0, f1... and never overwritten.
        if (Directory.Exists(Work))
        {
            Directory.Delete(Work, recursive: true);
        }

        Directory.CreateDirectory(Work);
        var zipPath = Path.Combine(_root.FullName, "in.zip");
        await File.WriteAllBytesAsync(zipPath, zip, Ct);
        try
        {
            return await SafeZipStager.StageAsync(zipPath, Work, limits, Ct);
        }
        finally
        {
            Assert.Equal(["in.zip", "work"], _root.EnumerateFileSystemInfos().Select(i => i.Name).Order(StringComparer.Ordinal));
        }
    }

    /// <summary>Stages a zip that must be refused, and returns the reason given.</summary>
    public async Task<string> RejectionAsync(byte[] zip, ZipLimits limits) =>
        (await Assert.ThrowsAsync<ZipRejectedException>(() => StageAsync(zip, limits))).Message;

    public void Dispose() => _root.Delete(recursive: true);
}
