using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;

namespace PocketCode.Bff.BuildCache;

/// <summary>Gradle cache entries in the <c>build-cache</c> bucket, each under its owner's prefix.</summary>
internal sealed class BuildCacheEntries(IBlobStore blobs, IOptions<BuildCacheOptions> options)
{
    /// <summary>The entry, or null on a miss (also when only another user has this key).</summary>
    public Task<BlobReader?> OpenAsync(BuildCacheGrant grant, string key, CancellationToken cancellationToken)
    {
        BuildCacheRules.EnsureValidKey(key);
        return blobs.OpenReadAsync(BucketNames.BuildCache, BuildCacheRules.EntryName(grant.OwnerUid, key), cancellationToken);
    }

    /// <summary>
    /// Streams the body into the entry. A body over the limit ends with a 413 and stores nothing:
    /// a declared length is refused before a byte is read (so Expect: 100-continue gets no
    /// 100), an undeclared one is cut off mid-stream and the store keeps nothing of the write.
    /// </summary>
    public async Task StoreAsync(BuildCacheGrant grant, string key, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!grant.Push)
        {
            throw ProblemException.Forbidden("This run may read the build cache but not write to it: only runs of the default branch of the project's repository store entries.");
        }

        BuildCacheRules.EnsureValidKey(key);
        var limit = options.Value.MaxEntryBytes;
        if (request.ContentLength > limit)
        {
            throw LengthLimitedStream.TooLarge(limit, "cache entry");
        }

        var body = LengthLimitedStream.Refusing(request.Body, limit, "cache entry");
        try
        {
            await blobs.PutAsync(BucketNames.BuildCache, BuildCacheRules.EntryName(grant.OwnerUid, key), body,
                new BlobWriteOptions
                {
                    ContentType = BuildCacheRules.EntryContentType,
                    Metadata = new Dictionary<string, string> { ["buildId"] = grant.BuildId },
                },
                cancellationToken);
        }
        catch (Exception ex) when (body.Exceeded && ex is not ProblemException)
        {
            // The adapter wrapped the limit's exception in its own; the caller still gets the 413.
            throw LengthLimitedStream.TooLarge(limit, "cache entry");
        }
    }
}
