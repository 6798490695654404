using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using PocketCode.Storage.Blobs;

namespace PocketCode.Storage.Local;

public sealed class LocalBlobStoreOptions
{
    /// <summary>The folder holding one subfolder per bucket.</summary>
    public required string RootPath { get; init; }

    /// <summary>Where the owning service serves <see cref="LocalBlobEndpoints"/>, e.g. http://127.0.0.1:8080.</summary>
    public required Uri PublicBaseUrl { get; init; }

    /// <summary>The HMAC key for signed URLs; when absent, one is generated once and kept in the root folder.</summary>
    public byte[]? SigningKey { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}

/// <summary>
/// The embedded <see cref="IBlobStore"/>: objects are files under a root folder, with a JSON sidecar
/// for metadata. Writes land in a temporary file and are renamed into place under a per-object lock
/// file, so readers never see half an object and preconditions hold across processes. Signed URLs
/// are HMAC-signed links to <see cref="LocalBlobEndpoints"/> in the owning service (written by hand:
/// no library signs URLs for a local folder).
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private const string MetaFolder = ".meta";
    private const string TempFolder = ".tmp";
    private const string LockFolder = ".locks";
    private readonly string _root;
    private readonly Uri _publicBaseUrl;
    private readonly byte[] _signingKey;
    private readonly TimeProvider _clock;

    public LocalBlobStore(LocalBlobStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _root = Path.GetFullPath(options.RootPath);
        Directory.CreateDirectory(_root);
        Directory.CreateDirectory(Path.Combine(_root, TempFolder));
        Directory.CreateDirectory(Path.Combine(_root, LockFolder));
        _publicBaseUrl = options.PublicBaseUrl;
        _clock = options.TimeProvider;
        _signingKey = options.SigningKey ?? LoadOrCreateSigningKey(Path.Combine(_root, ".signing-key"));
    }

    public async Task<BlobInfo> PutAsync(string bucket, string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        ArgumentNullException.ThrowIfNull(content);
        var temp = Path.Combine(_root, TempFolder, Guid.NewGuid().ToString("N"));
        try
        {
            long size;
            string md5;
            using (var md5Hash = IncrementalHash.CreateHash(HashAlgorithmName.MD5))
            {
                await using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
                {
                    var buffer = new byte[81920];
                    int read;
                    while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        md5Hash.AppendData(buffer, 0, read);
                        await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                    }

                    size = file.Length;
                }

                md5 = Convert.ToBase64String(md5Hash.GetHashAndReset());
            }

            return await CommitAsync(bucket, name, options?.IfGenerationMatch, temp, previous => new StoredMetadata
            {
                Size = size,
                ContentType = options?.ContentType ?? "application/octet-stream",
                Metadata = options?.Metadata?.ToDictionary() ?? [],
                Md5 = md5,
            }, cancellationToken);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public async Task<BlobReader?> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        using var objectLock = await ObjectLock.AcquireAsync(LockPath(bucket, name), cancellationToken);
        var meta = ReadMetadata(bucket, name);
        if (meta is null)
        {
            return null;
        }

        // Opened under the lock; a later rename replaces the directory entry, not this open file.
        var stream = new FileStream(ContentPath(bucket, name), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, 81920, useAsync: true);
        return new BlobReader(ToInfo(bucket, name, meta), stream);
    }

    public Task<BlobInfo?> GetInfoAsync(string bucket, string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        var meta = ReadMetadata(bucket, name);
        return Task.FromResult(meta is null ? null : ToInfo(bucket, name, meta));
    }

    public Task<BlobPage> ListAsync(string bucket, string prefix, int pageSize = 1000, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        BlobNames.ValidatePrefix(bucket, prefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var metaRoot = Path.Combine(_root, MetaFolder, bucket);
        var lastSlash = prefix.LastIndexOf('/');
        var searchRoot = lastSlash < 0 ? metaRoot : Path.Combine(metaRoot, prefix[..lastSlash]);
        var items = new List<BlobInfo>();
        if (Directory.Exists(searchRoot))
        {
            var names = Directory.EnumerateFiles(searchRoot, "*.json", SearchOption.AllDirectories)
                .Select(file => Path.GetRelativePath(metaRoot, file)[..^".json".Length].Replace(Path.DirectorySeparatorChar, '/'))
                .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && (pageToken is null || string.CompareOrdinal(n, pageToken) > 0))
                .Order(StringComparer.Ordinal)
                .Take(pageSize + 1);
            foreach (var name in names)
            {
                if (ReadMetadata(bucket, name) is { } meta)
                {
                    items.Add(ToInfo(bucket, name, meta));
                }
            }
        }

        if (items.Count > pageSize)
        {
            items.RemoveAt(items.Count - 1);
            return Task.FromResult(new BlobPage(items, items[^1].Name));
        }

        return Task.FromResult(new BlobPage(items, null));
    }

    public async Task<BlobInfo> CopyAsync(string sourceBucket, string sourceName, string targetBucket, string targetName, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(targetBucket, targetName);
        await using var source = await OpenReadAsync(sourceBucket, sourceName, cancellationToken)
            ?? throw new BlobNotFoundException(sourceBucket, sourceName);
        return await PutAsync(targetBucket, targetName, source.Content, new BlobWriteOptions
        {
            ContentType = options?.ContentType ?? source.Info.ContentType,
            Metadata = options?.Metadata ?? source.Info.Metadata,
            IfGenerationMatch = options?.IfGenerationMatch,
        }, cancellationToken);
    }

    public async Task<bool> DeleteAsync(string bucket, string name, long? ifGenerationMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        using var objectLock = await ObjectLock.AcquireAsync(LockPath(bucket, name), cancellationToken);
        var meta = ReadMetadata(bucket, name);
        if (meta is null)
        {
            return false;
        }

        if (ifGenerationMatch is { } expected && meta.Generation != expected)
        {
            throw new BlobPreconditionFailedException(bucket, name);
        }

        File.Delete(MetaPath(bucket, name));
        File.Delete(ContentPath(bucket, name));
        return true;
    }

    public Task<Uri> CreateSignedUrlAsync(string bucket, string name, SignedUrlMethod method, TimeSpan lifetime, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        SignedUrls.ValidateLifetime(lifetime);
        var expires = _clock.GetUtcNow().Add(lifetime).ToUnixTimeSeconds();
        var signature = Sign(method, bucket, name, expires, contentType);
        var path = string.Join('/', name.Split('/').Select(Uri.EscapeDataString));
        var query = $"method={method.ToString().ToUpperInvariant()}&expires={expires.ToString(CultureInfo.InvariantCulture)}&signature={signature}";
        if (contentType is not null)
        {
            query += "&contentType=" + Uri.EscapeDataString(contentType);
        }

        return Task.FromResult(new Uri(_publicBaseUrl, $"{LocalBlobEndpoints.RoutePrefix}/{bucket}/{path}?{query}"));
    }

    public Task PingAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(_root))
        {
            throw new BlobStoreException($"The blob folder '{_root}' is missing.");
        }

        return Task.CompletedTask;
    }

    /// <summary>Checks a signed URL's claims; <c>false</c> for a wrong signature, method or an expired link.</summary>
    public bool VerifySignature(SignedUrlMethod method, string bucket, string name, long expiresUnixSeconds, string? contentType, string signature)
    {
        if (_clock.GetUtcNow().ToUnixTimeSeconds() > expiresUnixSeconds || !BlobNames.IsValid(name))
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(method, bucket, name, expiresUnixSeconds, contentType));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(signature));
    }

    private string Sign(SignedUrlMethod method, string bucket, string name, long expires, string? contentType)
    {
        var payload = string.Join('\n', method.ToString(), bucket, name, expires.ToString(CultureInfo.InvariantCulture), contentType ?? string.Empty);
        return Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes(payload)));
    }

    private async Task<BlobInfo> CommitAsync(string bucket, string name, long? ifGenerationMatch, string tempFile, Func<StoredMetadata?, StoredMetadata> describe, CancellationToken cancellationToken)
    {
        using var objectLock = await ObjectLock.AcquireAsync(LockPath(bucket, name), cancellationToken);
        var previous = ReadMetadata(bucket, name);
        if (ifGenerationMatch is { } expected && (previous?.Generation ?? 0) != expected)
        {
            throw new BlobPreconditionFailedException(bucket, name);
        }

        var meta = describe(previous);
        var now = DateTimeOffset.UtcNow;
        meta.Generation = Math.Max(now.ToUnixTimeMilliseconds() * 1000, (previous?.Generation ?? 0) + 1);
        meta.Updated = now;
        var contentPath = ContentPath(bucket, name);
        var metaPath = MetaPath(bucket, name);
        Directory.CreateDirectory(Path.GetDirectoryName(contentPath)!);
        Directory.CreateDirectory(Path.GetDirectoryName(metaPath)!);
        File.Move(tempFile, contentPath, overwrite: true);
        var metaTemp = metaPath + ".tmp";
        await File.WriteAllBytesAsync(metaTemp, JsonSerializer.SerializeToUtf8Bytes(meta, LocalBlobJson.Default.StoredMetadata), cancellationToken);
        File.Move(metaTemp, metaPath, overwrite: true);
        return ToInfo(bucket, name, meta);
    }

    private StoredMetadata? ReadMetadata(string bucket, string name)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(MetaPath(bucket, name)), LocalBlobJson.Default.StoredMetadata);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static BlobInfo ToInfo(string bucket, string name, StoredMetadata meta) => new(
        bucket,
        name,
        meta.Size,
        meta.ContentType,
        meta.Generation,
        meta.Generation.ToString(CultureInfo.InvariantCulture),
        meta.Updated,
        meta.Metadata,
        meta.Md5);

    private string ContentPath(string bucket, string name) => Path.Combine(_root, bucket, name);

    private string MetaPath(string bucket, string name) => Path.Combine(_root, MetaFolder, bucket, name + ".json");

    private string LockPath(string bucket, string name) =>
        Path.Combine(_root, LockFolder, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bucket + "/" + name)))[..32]);

    private static byte[] LoadOrCreateSigningKey(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllBytes(path);
        }

        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
            file.Write(key);
            return key;
        }
        catch (IOException)
        {
            // Another process created it first; use theirs so both verify the same URLs.
            return File.ReadAllBytes(path);
        }
    }

    /// <summary>An exclusive lock file, held across processes for the duration of one object operation.</summary>
    private sealed class ObjectLock : IDisposable
    {
        private readonly FileStream _file;

        private ObjectLock(FileStream file) => _file = file;

        public static async Task<ObjectLock> AcquireAsync(string path, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    return new ObjectLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.None));
                }
                catch (IOException) when (attempt < 2000)
                {
                    await Task.Delay(Math.Min(attempt, 20), cancellationToken);
                }
            }
        }

        public void Dispose() => _file.Dispose();
    }
}

internal sealed class StoredMetadata
{
    public long Size { get; set; }

    public string ContentType { get; set; } = "application/octet-stream";

    public long Generation { get; set; }

    public DateTimeOffset Updated { get; set; }

    public Dictionary<string, string> Metadata { get; set; } = [];

    public string? Md5 { get; set; }
}

[JsonSerializable(typeof(StoredMetadata))]
internal sealed partial class LocalBlobJson : JsonSerializerContext;
