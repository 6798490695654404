using System.IO.Compression;
using System.Text;
using CsCheck;
using PocketCode.Archives;
using PocketCode.Testing;
using Xunit;

namespace PocketCode.Marketplace.Tests.Security;

/// <summary>
/// Property tests of the shared archive rules (libs/archives): random paths and random or mutated
/// zips. A path the rules accept always stays inside the folder it is joined to; a zip is either
/// refused with the two documented exceptions or staged as files inside the work folder, each under
/// an accepted path.
/// </summary>
public sealed class ArchivePropertyTests
{
    private static readonly ZipLimits Limits = new()
    {
        MaxEntries = 50,
        MaxFileBytes = 64 * 1024,
        MaxUncompressedBytes = 256 * 1024,
        MaxCompressionRatio = 100,
        CompressionRatioGraceBytes = 4096,
    };

    /// <summary>Path-shaped strings: segments of traversal, separators, dots and random text.</summary>
    public static Gen<string> PathLike { get; } = Gen.Select(
            Gen.OneOf<string>(
                    Gen.OneOf("..", ".", "", ".git", "a", "src", "Main.kt", "C:", "%2F", "%5c", "\\", "~", " ", "\u0000", "\ud800", "é", "app"),
                    Gen.String[0, 12])
                .Array[1, 6],
            Gen.OneOf("/", "/", "/", "\\", "//"))
        .Select((segments, separator) => string.Join(separator, segments));

    [Fact]
    public void An_accepted_path_never_leaves_its_root()
    {
        var root = Path.Combine(Path.GetTempPath(), "pocketcode-root");
        Gen.OneOf<string>(PathLike, HostileInput.NastyString).Sample(path =>
        {
            if (RelativePathRules.Check(path) is null)
            {
                var full = Path.GetFullPath(Path.Combine(root, path));
                Assert.StartsWith(root + Path.DirectorySeparatorChar, full, StringComparison.Ordinal);
                Assert.DoesNotContain("..", path.Split('/'));
                Assert.DoesNotContain('\\', path);
                Assert.False(path.StartsWith('/'), path);
            }
        }, iter: 5000);
    }

    /// <summary>Zips with random entry names and contents, and byte-level mutations of them.</summary>
    private static readonly Gen<byte[]> Zips = Gen.Select(
            Gen.Select(PathLike, Gen.Byte.Array[0, 200], Gen.OneOf(0, 0x8000, 0xA000, 0x4000, 0x1000)).Array[0, 5],
            Gen.Int[0, 3],
            Gen.Int.Array[0, 8])
        .Select((entries, mutations, positions) =>
        {
            var zip = Build(entries);
            for (var i = 0; i < Math.Min(mutations, positions.Length); i++)
            {
                if (zip.Length > 0)
                {
                    zip[(int)((uint)positions[i] % (uint)zip.Length)] ^= (byte)(positions[i] >> 8 | 1);
                }
            }

            return zip;
        });

    [Fact]
    public async Task A_random_or_mutated_zip_is_refused_or_staged_safely()
    {
        var folder = Directory.CreateTempSubdirectory("pocketcode-zip-prop-").FullName;
        try
        {
            await Zips.SampleAsync(async bytes =>
            {
                var zipPath = Path.Combine(folder, "in.zip");
                var work = Path.Combine(folder, "work-" + Guid.NewGuid().ToString("N"));
                Directory.CreateDirectory(work);
                await File.WriteAllBytesAsync(zipPath, bytes, Ct);
                try
                {
                    var staged = await SafeZipStager.StageAsync(zipPath, work, Limits, Ct);
                    foreach (var file in staged)
                    {
                        Assert.Null(RelativePathRules.Check(file.Path));
                        Assert.StartsWith(Path.GetFullPath(work) + Path.DirectorySeparatorChar, Path.GetFullPath(file.TempFile), StringComparison.Ordinal);
                        Assert.True(file.Length <= Limits.MaxFileBytes);
                    }
                }
                catch (Exception e) when (e is NotAZipException or ZipRejectedException)
                {
                    // Refused, as documented.
                }
                finally
                {
                    Directory.Delete(work, recursive: true);
                }
            }, iter: 400, threads: 1);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static byte[] Build((string Name, byte[] Content, int Mode)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true, entryNameEncoding: Encoding.UTF8))
        {
            foreach (var (name, content, mode) in entries)
            {
                var entry = zip.CreateEntry(name.Length == 0 ? "x" : name, CompressionLevel.Fastest);
                entry.ExternalAttributes = mode << 16;
                using var stream = entry.Open();
                stream.Write(content);
            }
        }

        return memory.ToArray();
    }
}
