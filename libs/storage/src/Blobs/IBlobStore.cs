namespace PocketCode.Storage.Blobs;

/// <summary>
/// The object-storage port (DESIGN.md §3). Buckets are logical names (<see cref="BucketNames"/>);
/// each adapter maps them to real buckets or folders. Content always streams: no method buffers a
/// whole object in memory.
/// </summary>
public interface IBlobStore : IStoreProbe
{
    /// <summary>
    /// Writes an object from a stream. <see cref="BlobWriteOptions.IfGenerationMatch"/> = 0 means
    /// "only if absent". Throws <see cref="BlobPreconditionFailedException"/> when a precondition fails.
    /// </summary>
    Task<BlobInfo> PutAsync(string bucket, string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>Opens an object for reading; <c>null</c> when absent. Dispose the result.</summary>
    Task<BlobReader?> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken = default);

    /// <summary>Metadata only; <c>null</c> when absent.</summary>
    Task<BlobInfo?> GetInfoAsync(string bucket, string name, CancellationToken cancellationToken = default);

    /// <summary>Lists objects whose names start with <paramref name="prefix"/>, in name order, one page at a time.</summary>
    Task<BlobPage> ListAsync(string bucket, string prefix, int pageSize = 1000, string? pageToken = null, CancellationToken cancellationToken = default);

    /// <summary>Server-side copy. Throws <see cref="BlobNotFoundException"/> when the source is absent.</summary>
    Task<BlobInfo> CopyAsync(string sourceBucket, string sourceName, string targetBucket, string targetName, BlobWriteOptions? options = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes an object; <c>false</c> when it was absent (whatever the precondition, as in GCS).
    /// Throws <see cref="BlobPreconditionFailedException"/> when it exists with another generation.
    /// </summary>
    Task<bool> DeleteAsync(string bucket, string name, long? ifGenerationMatch = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A URL that lets its holder GET (download) or PUT (upload) exactly this object until it
    /// expires, without other credentials. For PUT, the uploader must send <paramref name="contentType"/>.
    /// </summary>
    Task<Uri> CreateSignedUrlAsync(string bucket, string name, SignedUrlMethod method, TimeSpan lifetime, string? contentType = null, CancellationToken cancellationToken = default);
}

/// <summary>The logical bucket names of DESIGN.md §3.</summary>
public static class BucketNames
{
    public const string ProjectSourceFiles = "project-source-files";
    public const string BuildArtifacts = "build-artifacts";
    public const string MarketplaceAssets = "marketplace-assets";

    /// <summary>The BFF's Gradle remote build cache: <c>{ownerUid}/{cacheKey}</c>, expired by a bucket lifecycle rule.</summary>
    public const string BuildCache = "build-cache";

    public static IReadOnlyList<string> All { get; } = [ProjectSourceFiles, BuildArtifacts, MarketplaceAssets, BuildCache];
}

public static class SignedUrls
{
    /// <summary>V4 signed URLs live at most seven days; every adapter keeps the same bound.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(7);

    public static void ValidateLifetime(TimeSpan lifetime)
    {
        if (lifetime <= TimeSpan.Zero || lifetime > MaxLifetime)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), lifetime, "A signed URL lives more than zero and at most seven days.");
        }
    }
}

public enum SignedUrlMethod
{
    Get,
    Put,
}

public sealed record BlobWriteOptions
{
    public string? ContentType { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>The write applies only when the current generation equals this; 0 = the object must not exist.</summary>
    public long? IfGenerationMatch { get; init; }
}

/// <summary>
/// An object's metadata. <see cref="Generation"/> changes on every write of the object;
/// <see cref="ETag"/> is an opaque HTTP entity tag derived from it.
/// </summary>
public sealed record BlobInfo(
    string Bucket,
    string Name,
    long Size,
    string ContentType,
    long Generation,
    string ETag,
    DateTimeOffset Updated,
    IReadOnlyDictionary<string, string> Metadata,
    string? Md5Base64 = null);

public sealed record BlobPage(IReadOnlyList<BlobInfo> Items, string? NextPageToken);

/// <summary>An open object: its metadata and a forward-only content stream.</summary>
public sealed class BlobReader(BlobInfo info, Stream content) : IAsyncDisposable, IDisposable
{
    public BlobInfo Info { get; } = info;

    public Stream Content { get; } = content;

    public ValueTask DisposeAsync() => Content.DisposeAsync();

    public void Dispose() => Content.Dispose();
}

public class BlobStoreException(string message, Exception? innerException = null) : Exception(message, innerException);

public sealed class BlobNotFoundException(string bucket, string name)
    : BlobStoreException($"Object '{name}' does not exist in bucket '{bucket}'.");

public sealed class BlobPreconditionFailedException(string bucket, string name)
    : BlobStoreException($"Object '{name}' in bucket '{bucket}' did not meet the write's generation precondition.");
