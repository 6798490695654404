using System.Globalization;
using System.IO.Compression;

namespace PocketCode.Archives;

/// <summary>The limits a zip must stay within to be unpacked.</summary>
public sealed record ZipLimits
{
    public required int MaxEntries { get; init; }

    /// <summary>Largest size one file may inflate to.</summary>
    public required long MaxFileBytes { get; init; }

    /// <summary>Largest size all files may inflate to together.</summary>
    public required long MaxUncompressedBytes { get; init; }

    /// <summary>Highest uncompressed/compressed ratio of one entry, once it produced <see cref="CompressionRatioGraceBytes"/>.</summary>
    public required double MaxCompressionRatio { get; init; }

    /// <summary>Output below this size is never judged by its ratio (tiny files of spaces compress very well).</summary>
    public required long CompressionRatioGraceBytes { get; init; }
}

/// <summary>A file of a checked zip, inflated into a temporary file.</summary>
public sealed record StagedZipFile(string Path, string TempFile, long Length);

/// <summary>The file is not a zip archive at all.</summary>
public sealed class NotAZipException() : Exception("The content is not a zip archive.");

/// <summary>The zip is well-formed but breaks a safety rule; <see cref="Exception.Message"/> says which, for the caller.</summary>
public sealed class ZipRejectedException(string reason) : Exception(reason);

/// <summary>
/// Unpacks an untrusted zip into a temporary folder, all or nothing: entries are counted before
/// <see cref="ZipArchive"/> materialises them (<see cref="ZipPreflight"/>), and every entry is
/// checked and inflated under the limits. Rejected: paths that escape or are not plain relative
/// paths (zip-slip, absolute, drive letters, backslashes, <c>.git</c>; <see cref="RelativePathRules"/>),
/// symlinks and other special files (Unix mode bits in the external attributes), encrypted
/// entries, duplicates, file/folder clashes, too many entries, and zip bombs: per-entry and total
/// inflated size and the compression ratio are enforced on the bytes actually produced while
/// inflating, never on the sizes the headers claim. Shared by the BFF's archive import and
/// install and the marketplace's upload checks.
/// </summary>
public static class SafeZipStager
{
    private const int UnixTypeMask = 0xF000;
    private const int UnixRegularFile = 0x8000;
    private const int UnixDirectory = 0x4000;
    private const int UnixSymlink = 0xA000;

    /// <summary>
    /// Checks and inflates <paramref name="zipPath"/> into files under <paramref name="workFolder"/>.
    /// Throws <see cref="NotAZipException"/> or <see cref="ZipRejectedException"/>.
    /// </summary>
    public static async Task<IReadOnlyList<StagedZipFile>> StageAsync(string zipPath, string workFolder, ZipLimits limits, CancellationToken cancellationToken)
    {
        try
        {
            return await StageCoreAsync(zipPath, workFolder, limits, cancellationToken);
        }
        catch (InvalidDataException)
        {
            // A damaged central directory or local header surfaces only while the entries are read
            // (found by the property tests: it used to escape as a 500).
            throw new ZipRejectedException("the archive is damaged: its directory and its entries do not agree.");
        }
    }

    private static async Task<IReadOnlyList<StagedZipFile>> StageCoreAsync(string zipPath, string workFolder, ZipLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(limits);
        await using var zipStream = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        var entries = await ZipPreflight.CountEntriesAsync(zipStream, limits.MaxEntries, cancellationToken)
            ?? throw new NotAZipException();
        if (entries > limits.MaxEntries)
        {
            throw TooManyEntries(limits);
        }

        zipStream.Position = 0;
        ZipArchive zip;
        try
        {
            zip = await ZipArchive.CreateAsync(zipStream, ZipArchiveMode.Read, leaveOpen: true, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw new NotAZipException();
        }

        await using (zip)
        {
            // The preflight walked the same headers; this guards against any disagreement.
            if (zip.Entries.Count > limits.MaxEntries)
            {
                throw TooManyEntries(limits);
            }

            var staged = new List<StagedZipFile>();
            var filePaths = new HashSet<string>(StringComparer.Ordinal);
            var folderPaths = new HashSet<string>(StringComparer.Ordinal);
            long total = 0;
            var buffer = new byte[81920];
            foreach (var entry in zip.Entries)
            {
                var name = entry.FullName;
                var unixType = (entry.ExternalAttributes >> 16) & UnixTypeMask;
                if (unixType == UnixSymlink)
                {
                    throw new ZipRejectedException($"entry '{RelativePathRules.Printable(name)}' is a symbolic link; only regular files can be imported.");
                }

                if (unixType is not (0 or UnixRegularFile or UnixDirectory))
                {
                    throw new ZipRejectedException($"entry '{RelativePathRules.Printable(name)}' is a special file; only regular files can be imported.");
                }

                if (entry.IsEncrypted)
                {
                    throw new ZipRejectedException($"entry '{RelativePathRules.Printable(name)}' is encrypted.");
                }

                var isFolder = name.EndsWith('/') || unixType == UnixDirectory;
                var path = isFolder ? name.TrimEnd('/') : name;
                if (RelativePathRules.Check(path) is { } error)
                {
                    throw new ZipRejectedException($"entry '{RelativePathRules.Printable(name)}' has a path that is not allowed: {error}");
                }

                if (isFolder)
                {
                    if (entry.Length != 0)
                    {
                        throw new ZipRejectedException($"folder entry '{RelativePathRules.Printable(name)}' has content.");
                    }

                    folderPaths.Add(path);
                    continue;
                }

                if (!filePaths.Add(path))
                {
                    throw new ZipRejectedException($"'{path}' appears twice.");
                }

                // The header's size is only a hint for an early answer; the limits below count real bytes.
                if (entry.Length > limits.MaxFileBytes)
                {
                    throw new ZipRejectedException(string.Create(CultureInfo.InvariantCulture, $"'{path}' would be larger than the per-file limit of {limits.MaxFileBytes} bytes."));
                }

                var tempFile = Path.Combine(workFolder, "f" + staged.Count.ToString(CultureInfo.InvariantCulture));
                var before = total;
                total = await InflateAsync(entry, zipStream, path, tempFile, total, buffer, limits, cancellationToken);
                staged.Add(new StagedZipFile(path, tempFile, total - before));
            }

            if (staged.Count == 0)
            {
                throw new ZipRejectedException("it holds no files.");
            }

            foreach (var file in staged)
            {
                foreach (var ancestor in RelativePathRules.AncestorsOf(file.Path))
                {
                    if (filePaths.Contains(ancestor))
                    {
                        throw new ZipRejectedException($"'{ancestor}' is both a file and a folder.");
                    }
                }

                if (folderPaths.Contains(file.Path))
                {
                    throw new ZipRejectedException($"'{file.Path}' is both a file and a folder.");
                }
            }

            return staged;
        }
    }

    private static ZipRejectedException TooManyEntries(ZipLimits limits) =>
        new(string.Create(CultureInfo.InvariantCulture, $"it has more than {limits.MaxEntries} entries."));

    private static async Task<long> InflateAsync(
        ZipArchiveEntry entry, FileStream zipStream, string path, string tempFile, long total, byte[] buffer, ZipLimits limits, CancellationToken cancellationToken)
    {
        try
        {
            var source = await entry.OpenAsync(cancellationToken);
            await using (source)
            {
                var dataStart = zipStream.Position;
                await using var target = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
                long written = 0;
                var crc = new ZipCrc32();
                int read;
                while ((read = await source.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    written += read;
                    total += read;
                    if (written > limits.MaxFileBytes)
                    {
                        throw new ZipRejectedException(string.Create(CultureInfo.InvariantCulture, $"'{path}' inflates beyond the per-file limit of {limits.MaxFileBytes} bytes."));
                    }

                    if (total > limits.MaxUncompressedBytes)
                    {
                        throw new ZipRejectedException(string.Create(CultureInfo.InvariantCulture, $"its files inflate beyond the total limit of {limits.MaxUncompressedBytes} bytes."));
                    }

                    // Compressed bytes actually consumed so far (the header's compressed size only
                    // caps it), so a lying header cannot hide a bomb.
                    var consumed = Math.Max(1, Math.Min(entry.CompressedLength, zipStream.Position - dataStart));
                    if (written > limits.CompressionRatioGraceBytes && written > consumed * limits.MaxCompressionRatio)
                    {
                        throw new ZipRejectedException(string.Create(CultureInfo.InvariantCulture,
                            $"'{path}' has a compression ratio above {limits.MaxCompressionRatio} (a zip bomb?)."));
                    }

                    crc.Append(buffer.AsSpan(0, read));
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                if (crc.Value != entry.Crc32 || written != entry.Length)
                {
                    throw new ZipRejectedException($"'{path}' is corrupt: its content does not match the size and checksum its header records.");
                }
            }
        }
        catch (InvalidDataException ex)
        {
            throw new ZipRejectedException($"'{path}' is corrupt or uses an unsupported compression method ({ex.Message})");
        }

        return total;
    }
}
