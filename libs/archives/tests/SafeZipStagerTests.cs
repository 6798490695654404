using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using static PocketCode.Archives.Tests.TestZips;

namespace PocketCode.Archives.Tests;

public sealed class SafeZipStagerTests : IDisposable
{
    private const int MaxFileBytes = 64 * 1024;
    private const int MaxTotalBytes = 100 * 1024;

    private static readonly ZipLimits Limits = new()
    {
        MaxEntries = 10,
        MaxFileBytes = MaxFileBytes,
        MaxUncompressedBytes = MaxTotalBytes,
        MaxCompressionRatio = 100,
        CompressionRatioGraceBytes = 4096,
    };

    private readonly StagingFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private Task<string> RejectionAsync(byte[] zip, ZipLimits? limits = null) => _folder.RejectionAsync(zip, limits ?? Limits);

    // Valid archives

    [Fact]
    public async Task A_valid_archive_is_staged_file_by_file_with_exact_content()
    {
        var binary = RandomNumberGenerator.GetBytes(10_000);
        var zip = Build(z =>
        {
            Add(z, "README.md", "# Hello\n");
            z.CreateEntry("src/");
            Add(z, "src/main/App.kt", "fun main() = println(\"hi\")\n", unixMode: UnixRegularFile | 0x1A4);
            Add(z, "assets/logo.bin", binary, CompressionLevel.NoCompression);
            Add(z, "empty.txt", []);
            // A folder marked only by its Unix mode, without a trailing slash.
            z.CreateEntry("build").ExternalAttributes = (UnixDirectory | 0x1ED) << 16;
        });

        var staged = await _folder.StageAsync(zip, Limits);

        Assert.Equal(["README.md", "src/main/App.kt", "assets/logo.bin", "empty.txt"], staged.Select(f => f.Path));
        Assert.Equal(["f0", "f1", "f2", "f3"], staged.Select(f => Path.GetRelativePath(_folder.Work, f.TempFile)));
        Assert.Equal([8L, 27L, 10_000L, 0L], staged.Select(f => f.Length));
        Assert.Equal("# Hello\n", await File.ReadAllTextAsync(staged[0].TempFile, TestContext.Current.CancellationToken));
        Assert.Equal("fun main() = println(\"hi\")\n", await File.ReadAllTextAsync(staged[1].TempFile, TestContext.Current.CancellationToken));
        Assert.Equal(binary, await File.ReadAllBytesAsync(staged[2].TempFile, TestContext.Current.CancellationToken));
        Assert.Empty(await File.ReadAllBytesAsync(staged[3].TempFile, TestContext.Current.CancellationToken));
        Assert.Equal(4, Directory.GetFileSystemEntries(_folder.Work).Length);
    }

    [Fact]
    public async Task A_folder_entry_beside_files_inside_it_is_fine()
    {
        var staged = await _folder.StageAsync(Build(z =>
        {
            z.CreateEntry("a/");
            z.CreateEntry("a/b/");
            Add(z, "a/b/c.txt", "c");
        }), Limits);

        Assert.Equal(["a/b/c.txt"], staged.Select(f => f.Path));
    }

    // Paths

    [Theory]
    [InlineData("../evil.txt", "'.' and '..' segments are not allowed.")]
    [InlineData("app/../../../evil.txt", "'.' and '..' segments are not allowed.")]
    [InlineData("../outside/", "'.' and '..' segments are not allowed.")]
    [InlineData("/etc/cron.d/evil", "paths are relative to the project; it starts with '/'.")]
    [InlineData("C:/Windows/evil.txt", "drive letters are not allowed; paths are relative to the project.")]
    [InlineData("..\\..\\evil.txt", "use '/' between folders; backslashes are not allowed.")]
    [InlineData("sub\\evil.txt", "use '/' between folders; backslashes are not allowed.")]
    [InlineData(".git/hooks/post-checkout", "'.git' is reserved for version control.")]
    [InlineData("a//b.txt", "it has an empty segment ('//' or a trailing '/').")]
    [InlineData("..%2Fevil.txt", "encoded slashes (%2F, %5C) are not allowed; separate folders with '/'.")]
    public async Task An_entry_path_that_escapes_or_is_not_plain_is_refused(string name, string reason)
    {
        var message = await RejectionAsync(Build(z =>
        {
            Add(z, "ok.txt", "fine");
            Add(z, name, name.EndsWith('/') ? string.Empty : "escaped");
        }));

        Assert.Equal($"entry '{name}' has a path that is not allowed: {reason}", message);
    }

    [Fact]
    public async Task A_control_character_in_a_name_is_refused_and_not_echoed()
    {
        var message = await RejectionAsync(Files("bad\u0001name.txt"));

        Assert.Equal("entry 'bad?name.txt' has a path that is not allowed: it contains control characters.", message);
    }

    // Entry types

    [Fact]
    public async Task A_symbolic_link_is_refused()
    {
        var message = await RejectionAsync(Build(z =>
        {
            Add(z, "ok.txt", "fine");
            Add(z, "link", "/etc/passwd", unixMode: UnixSymlink | 0x1FF);
        }));

        Assert.Equal("entry 'link' is a symbolic link; only regular files can be imported.", message);
    }

    [Theory]
    [InlineData(0x1000)] // FIFO
    [InlineData(0x2000)] // character device
    [InlineData(0x6000)] // block device
    [InlineData(0xC000)] // socket
    public async Task A_special_file_is_refused(int unixType)
    {
        var message = await RejectionAsync(Build(z => Add(z, "dev", string.Empty, unixMode: unixType | 0x1B6)));

        Assert.Equal("entry 'dev' is a special file; only regular files can be imported.", message);
    }

    [Fact]
    public async Task A_folder_entry_with_content_is_refused()
    {
        var message = await RejectionAsync(Build(z => Add(z, "folder", "hidden bytes", unixMode: UnixDirectory | 0x1ED)));

        Assert.Equal("folder entry 'folder' has content.", message);
    }

    [Fact]
    public async Task An_encrypted_entry_is_refused()
    {
        // General purpose flag bit 0: the entry is encrypted.
        var message = await RejectionAsync(Patch(Files("secret.txt"), HeaderField.Flags, 1));

        Assert.Equal("entry 'secret.txt' is encrypted.", message);
    }

    [Fact]
    public async Task An_unsupported_compression_method_is_refused()
    {
        // Method 14 is LZMA, which System.IO.Compression cannot inflate.
        var message = await RejectionAsync(Patch(Files("a.txt"), HeaderField.Method, 14));

        Assert.StartsWith("'a.txt' is corrupt or uses an unsupported compression method (", message, StringComparison.Ordinal);
    }

    // Names that clash

    [Fact]
    public async Task A_duplicate_path_is_refused()
    {
        var message = await RejectionAsync(Build(z =>
        {
            Add(z, "same.txt", "one");
            Add(z, "same.txt", "two");
        }));

        Assert.Equal("'same.txt' appears twice.", message);
    }

    [Fact]
    public async Task A_file_whose_path_is_also_a_folder_of_another_file_is_refused()
    {
        Assert.Equal("'thing' is both a file and a folder.", await RejectionAsync(Files("thing", "thing/inside.txt")));
        Assert.Equal("'thing' is both a file and a folder.", await RejectionAsync(Files("thing/deeper/inside.txt", "thing")));
    }

    [Fact]
    public async Task A_file_beside_a_folder_entry_of_the_same_path_is_refused()
    {
        var message = await RejectionAsync(Build(z =>
        {
            z.CreateEntry("x/");
            Add(z, "x", "file");
        }));

        Assert.Equal("'x' is both a file and a folder.", message);
    }

    [Fact]
    public async Task An_archive_without_files_is_refused()
    {
        Assert.Equal("it holds no files.", await RejectionAsync(Build(_ => { })));
        Assert.Equal("it holds no files.", await RejectionAsync(Build(z =>
        {
            z.CreateEntry("a/");
            z.CreateEntry("a/b/");
        })));
    }

    // Entry count

    [Fact]
    public async Task Entries_up_to_the_limit_are_staged_and_one_more_is_refused()
    {
        var limits = Limits with { MaxEntries = 3 };

        Assert.Equal(3, (await _folder.StageAsync(Files("a", "b", "c"), limits)).Count);
        Assert.Equal("it has more than 3 entries.", await RejectionAsync(Files("a", "b", "c", "d"), limits));
    }

    [Fact]
    public async Task Folder_entries_count_towards_the_entry_limit()
    {
        var zip = Build(z =>
        {
            z.CreateEntry("dir/");
            Add(z, "dir/a", "a");
            Add(z, "dir/b", "b");
            Add(z, "dir/c", "c");
        });

        Assert.Equal("it has more than 3 entries.", await RejectionAsync(zip, Limits with { MaxEntries = 3 }));
    }

    [Fact]
    public async Task An_end_record_claiming_fewer_entries_does_not_hide_the_real_count()
    {
        var zip = WithClaimedEntryCount(Files("a", "b", "c", "d"), 1);

        Assert.Equal("it has more than 3 entries.", await RejectionAsync(zip, Limits with { MaxEntries = 3 }));
    }

    // Sizes

    [Fact]
    public async Task A_file_at_the_per_file_limit_is_staged_and_one_byte_more_is_refused()
    {
        var atLimit = Build(z => Add(z, "big.bin", RandomNumberGenerator.GetBytes(MaxFileBytes)));
        var overLimit = Build(z => Add(z, "big.bin", RandomNumberGenerator.GetBytes(MaxFileBytes + 1)));

        Assert.Equal(MaxFileBytes, (await _folder.StageAsync(atLimit, Limits)).Single().Length);
        Assert.Equal("'big.bin' would be larger than the per-file limit of 65536 bytes.", await RejectionAsync(overLimit));
    }

    [Fact]
    public async Task A_header_understating_the_size_does_not_get_a_file_past_the_per_file_limit()
    {
        // Stored entry: the reader streams all 80 000 real bytes although the headers claim 100.
        var liar = Patch(
            Build(z => Add(z, "liar.bin", RandomNumberGenerator.GetBytes(80_000), CompressionLevel.NoCompression)),
            HeaderField.UncompressedSize,
            100);

        Assert.Equal("'liar.bin' inflates beyond the per-file limit of 65536 bytes.", await RejectionAsync(liar));
    }

    [Fact]
    public async Task Files_up_to_the_total_limit_are_staged_and_beyond_it_are_refused()
    {
        var half = MaxTotalBytes / 2;
        var atLimit = Build(z =>
        {
            Add(z, "one.bin", RandomNumberGenerator.GetBytes(half));
            Add(z, "two.bin", RandomNumberGenerator.GetBytes(half));
        });
        var overLimit = Build(z =>
        {
            Add(z, "one.bin", RandomNumberGenerator.GetBytes(half));
            Add(z, "two.bin", RandomNumberGenerator.GetBytes(half));
            Add(z, "three.bin", [1]);
        });

        Assert.Equal(MaxTotalBytes, (await _folder.StageAsync(atLimit, Limits)).Sum(f => f.Length));
        Assert.Equal("its files inflate beyond the total limit of 102400 bytes.", await RejectionAsync(overLimit));
    }

    [Fact]
    public async Task A_file_compressed_beyond_the_ratio_is_refused_as_a_bomb()
    {
        // 60 000 zero bytes: under both size limits, but they deflate to well under 600 bytes.
        var bomb = Build(z => Add(z, "bomb.bin", new byte[60_000], CompressionLevel.SmallestSize));

        Assert.Equal("'bomb.bin' has a compression ratio above 100 (a zip bomb?).", await RejectionAsync(bomb));
    }

    [Fact]
    public async Task A_small_file_is_not_judged_by_its_ratio()
    {
        // 4000 spaces compress far beyond 100:1, but stay under the 4096-byte grace.
        var spaces = Build(z => Add(z, "spaces.txt", new string(' ', 4000), CompressionLevel.SmallestSize));

        Assert.Equal(4000, (await _folder.StageAsync(spaces, Limits)).Single().Length);
        Assert.Equal(
            "'spaces.txt' has a compression ratio above 100 (a zip bomb?).",
            await RejectionAsync(spaces, Limits with { CompressionRatioGraceBytes = 1000 }));
    }

    // Checksums

    [Theory]
    [InlineData(CompressionLevel.NoCompression)]
    [InlineData(CompressionLevel.Optimal)]
    public async Task A_checksum_that_does_not_match_the_content_is_refused(CompressionLevel level)
    {
        var zip = Patch(Build(z => Add(z, "a.txt", "the content the checksum was computed over", level)), HeaderField.Crc32, 0xDEADBEEF);

        Assert.Equal("'a.txt' is corrupt: its content does not match the size and checksum its header records.", await RejectionAsync(zip));
    }

    [Fact]
    public async Task A_header_understating_the_size_of_a_deflated_file_does_not_import_it_truncated()
    {
        // The reader stops inflating at the claimed 10 bytes; only the checksum notices.
        var zip = Patch(Build(z => Add(z, "a.txt", string.Concat(Enumerable.Repeat("line of text\n", 100)))), HeaderField.UncompressedSize, 10);

        Assert.Equal("'a.txt' is corrupt: its content does not match the size and checksum its header records.", await RejectionAsync(zip));
    }

    // Not zips, damaged zips

    [Fact]
    public async Task Something_that_is_not_a_zip_is_reported_as_such()
    {
        await Assert.ThrowsAsync<NotAZipException>(() => _folder.StageAsync(Encoding.UTF8.GetBytes("this is not a zip archive at all"), Limits));
        await Assert.ThrowsAsync<NotAZipException>(() => _folder.StageAsync([], Limits));
        await Assert.ThrowsAsync<NotAZipException>(() => _folder.StageAsync(WithDirectoryStart(Files("a.txt"), uint.MaxValue - 1), Limits));
    }

    [Fact]
    public async Task An_end_record_disagreeing_with_the_directory_is_refused_as_damaged()
    {
        var zip = WithClaimedEntryCount(Files("a.txt", "b.txt"), 3);

        Assert.Equal("the archive is damaged: its directory and its entries do not agree.", await RejectionAsync(zip));
    }
}
