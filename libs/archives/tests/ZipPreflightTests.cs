using System.IO.Compression;

namespace PocketCode.Archives.Tests;

/// <summary>
/// The preflight count on hand-crafted layouts. (Plain counting, the limit and non-zips are also
/// covered through the BFF in services/bff/tests/Archives/ZipPreflightTests.cs.)
/// </summary>
public sealed class ZipPreflightTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pocketcode-preflight-tests-");

    public void Dispose() => _folder.Delete(recursive: true);

    private async Task<long?> CountAsync(byte[] zip, long limit)
    {
        var path = Path.Combine(_folder.FullName, Guid.NewGuid().ToString("N") + ".zip");
        await File.WriteAllBytesAsync(path, zip, Ct);
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
        return await ZipPreflight.CountEntriesAsync(file, limit, Ct);
    }

    [Fact]
    public async Task Follows_the_zip64_end_record_to_the_directory()
    {
        var zip64 = TestZips.WithZip64End(TestZips.Files("a.txt", "b/c.txt", "d.txt"));

        // The layout is one System.IO.Compression reads too, so the count is checked against a real reader.
        using (var archive = new ZipArchive(new MemoryStream(zip64), ZipArchiveMode.Read))
        {
            Assert.Equal(3, archive.Entries.Count);
        }

        Assert.Equal(3, await CountAsync(zip64, 100));
        Assert.Equal(3, await CountAsync(zip64, 3));
        Assert.Equal(2, await CountAsync(zip64, 1));
    }

    [Fact]
    public async Task A_zip64_locator_pointing_outside_the_file_means_no_zip()
    {
        var plain = TestZips.Files("a.txt");
        Assert.Null(await CountAsync(TestZips.WithZip64End(plain, recordOffset: -1), 100));
        Assert.Null(await CountAsync(TestZips.WithZip64End(plain, recordOffset: 1L << 40), 100));
    }

    [Fact]
    public async Task A_zip64_locator_pointing_at_something_else_means_no_zip()
    {
        var plain = TestZips.Files("a.txt");
        Assert.Null(await CountAsync(TestZips.WithZip64End(plain, recordSignature: 0x12345678), 100));
        // The locator aims at the first local header instead of the zip64 end record.
        Assert.Null(await CountAsync(TestZips.WithZip64End(plain, recordOffset: 0), 100));
    }

    [Fact]
    public async Task A_directory_start_beyond_the_end_means_no_zip()
    {
        var zip = TestZips.Files("a.txt", "b.txt");
        Assert.Null(await CountAsync(TestZips.WithDirectoryStart(zip, (uint)zip.Length + 1), 100));
    }

    [Fact]
    public async Task Counts_the_headers_actually_there_not_the_number_the_end_record_claims()
    {
        var zip = TestZips.Files("a.txt", "b.txt");
        Assert.Equal(2, await CountAsync(TestZips.WithClaimedEntryCount(zip, 60_000), 100));
        Assert.Equal(2, await CountAsync(TestZips.WithClaimedEntryCount(zip, 1), 100));
    }

    [Fact]
    public async Task A_zip_written_with_more_than_65535_entries_is_counted_exactly()
    {
        // Past 65535 entries the writer switches to zip64 records; the walk still counts every header.
        var flood = TestZips.Build(z =>
        {
            for (var i = 0; i < 70_000; i++)
            {
                z.CreateEntry(i.ToString(System.Globalization.CultureInfo.InvariantCulture), CompressionLevel.NoCompression);
            }
        });

        Assert.Equal(70_000, await CountAsync(flood, 100_000));
        Assert.Equal(65_536, await CountAsync(flood, 65_535));
    }
}
