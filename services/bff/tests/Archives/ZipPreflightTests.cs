using System.IO.Compression;
using System.Text;
using PocketCode.Archives;
using Xunit;

namespace PocketCode.Bff.Tests.Archives;

public sealed class ZipPreflightTests
{
    private static async Task<long?> CountAsync(byte[] bytes, long limit)
    {
        var path = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(path, bytes, Ct);
            await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, useAsync: true);
            return await ZipPreflight.CountEntriesAsync(file, limit, Ct);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static byte[] ZipOf(int entries, string? comment = null)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            for (var i = 0; i < entries; i++)
            {
                using var writer = new StreamWriter(zip.CreateEntry($"dir/file-{i}.txt").Open());
                writer.Write("content " + i);
            }

            if (comment is not null)
            {
                zip.Comment = comment;
            }
        }

        return buffer.ToArray();
    }

    [Fact]
    public async Task Counts_the_central_directory_entries()
    {
        Assert.Equal(3, await CountAsync(ZipOf(3), 100));
        Assert.Equal(0, await CountAsync(ZipOf(0), 100));
        Assert.Equal(5, await CountAsync(ZipOf(5, comment: new string('c', 1000)), 100));
    }

    [Fact]
    public async Task Stops_counting_past_the_limit()
    {
        Assert.Equal(11, await CountAsync(ZipOf(50), 10));
    }

    [Fact]
    public async Task Something_that_is_not_a_zip_has_no_count()
    {
        Assert.Null(await CountAsync(Encoding.UTF8.GetBytes("hello, not a zip"), 10));
        Assert.Null(await CountAsync(new byte[100_000], 10));
    }
}
