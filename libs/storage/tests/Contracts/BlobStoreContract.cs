using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using PocketCode.Storage.Blobs;
using Xunit;

namespace PocketCode.Storage.Tests.Contracts;

/// <summary>
/// The behaviour every <see cref="IBlobStore"/> adapter must show. Each test writes under a prefix
/// of its own, so tests share one store and run in parallel.
/// </summary>
public abstract class BlobStoreContract
{
    protected abstract IBlobStore Store { get; }

    /// <summary>
    /// Whether the server behind the adapter enforces generation preconditions. The GCS emulator
    /// does not; the feature is then covered by the other adapters and by real GCS.
    /// </summary>
    protected virtual bool SupportsGenerationPreconditions => true;

    /// <summary>An HTTP client able to reach the store's signed URLs.</summary>
    protected abstract HttpClient SignedUrlClient { get; }

    protected const string Bucket = BucketNames.ProjectSourceFiles;

    protected static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..12] + "/";

    private static MemoryStream Text(string s) => new(Encoding.UTF8.GetBytes(s));

    private static async Task<string> ReadTextAsync(BlobReader reader)
    {
        using var text = new StreamReader(reader.Content, Encoding.UTF8);
        return await text.ReadToEndAsync(Ct);
    }

    [Fact]
    public async Task Put_then_read_round_trips_content_type_metadata_and_bytes()
    {
        var name = NewPrefix() + "src/main/MainActivity.kt";
        var info = await Store.PutAsync(Bucket, name, Text("fun main() = println(\"hi ✓\")"), new BlobWriteOptions
        {
            ContentType = "text/x-kotlin",
            Metadata = new Dictionary<string, string> { ["sha256"] = "abc", ["author"] = "u1" },
        }, Ct);

        Assert.Equal(name, info.Name);
        Assert.Equal(Bucket, info.Bucket);
        Assert.Equal(Encoding.UTF8.GetByteCount("fun main() = println(\"hi ✓\")"), info.Size);
        Assert.True(info.Generation > 0);
        Assert.False(string.IsNullOrEmpty(info.ETag));

        await using var reader = await Store.OpenReadAsync(Bucket, name, Ct);
        Assert.NotNull(reader);
        Assert.Equal("text/x-kotlin", reader.Info.ContentType);
        Assert.Equal("abc", reader.Info.Metadata["sha256"]);
        Assert.Equal("u1", reader.Info.Metadata["author"]);
        Assert.Equal(info.Generation, reader.Info.Generation);
        Assert.Equal("fun main() = println(\"hi ✓\")", await ReadTextAsync(reader));

        var meta = await Store.GetInfoAsync(Bucket, name, Ct);
        Assert.Equal(info.Size, meta!.Size);
        Assert.Equal(info.ETag, meta.ETag);
    }

    [Fact]
    public async Task Missing_objects_read_as_null_and_delete_as_false()
    {
        var name = NewPrefix() + "nothing.txt";
        Assert.Null(await Store.OpenReadAsync(Bucket, name, Ct));
        Assert.Null(await Store.GetInfoAsync(Bucket, name, Ct));
        Assert.False(await Store.DeleteAsync(Bucket, name, cancellationToken: Ct));
        Assert.False(await Store.DeleteAsync(Bucket, name, ifGenerationMatch: 12345, cancellationToken: Ct));
    }

    [Fact]
    public async Task Overwriting_changes_generation_and_etag()
    {
        var name = NewPrefix() + "a.txt";
        var first = await Store.PutAsync(Bucket, name, Text("one"), cancellationToken: Ct);
        var second = await Store.PutAsync(Bucket, name, Text("two!"), cancellationToken: Ct);

        Assert.NotEqual(first.Generation, second.Generation);
        Assert.NotEqual(first.ETag, second.ETag);
        Assert.Equal(4, second.Size);
        await using var reader = await Store.OpenReadAsync(Bucket, name, Ct);
        Assert.Equal("two!", await ReadTextAsync(reader!));
    }

    [Fact]
    public async Task Generation_preconditions_guard_create_overwrite_and_delete()
    {
        Assert.SkipUnless(SupportsGenerationPreconditions, "This adapter's server does not enforce generation preconditions.");
        var name = NewPrefix() + "guarded.txt";

        var created = await Store.PutAsync(Bucket, name, Text("v1"), new BlobWriteOptions { IfGenerationMatch = 0 }, Ct);
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => Store.PutAsync(Bucket, name, Text("again"), new BlobWriteOptions { IfGenerationMatch = 0 }, Ct));

        var updated = await Store.PutAsync(Bucket, name, Text("v2"), new BlobWriteOptions { IfGenerationMatch = created.Generation }, Ct);
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => Store.PutAsync(Bucket, name, Text("stale"), new BlobWriteOptions { IfGenerationMatch = created.Generation }, Ct));
        await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => Store.DeleteAsync(Bucket, name, created.Generation, Ct));

        await using (var reader = await Store.OpenReadAsync(Bucket, name, Ct))
        {
            Assert.Equal("v2", await ReadTextAsync(reader!));
        }

        Assert.True(await Store.DeleteAsync(Bucket, name, updated.Generation, Ct));
    }

    [Fact]
    public async Task List_returns_only_the_prefix_in_name_order_across_pages()
    {
        var prefix = NewPrefix();
        var names = new[] { "b.txt", "a.txt", "dir/c.txt", "dir/sub/d.txt", "e.txt" }.Select(n => prefix + n).ToArray();
        foreach (var name in names)
        {
            await Store.PutAsync(Bucket, name, Text(name), cancellationToken: Ct);
        }

        await Store.PutAsync(Bucket, prefix.TrimEnd('/') + "x/outside.txt", Text("no"), cancellationToken: Ct);

        var listed = new List<BlobInfo>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Store.ListAsync(Bucket, prefix, pageSize: 2, pageToken: token, cancellationToken: Ct);
            Assert.True(page.Items.Count <= 2);
            listed.AddRange(page.Items);
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null && pages < 10);

        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(i => i.Name));
        Assert.All(listed, i => Assert.Equal(Encoding.UTF8.GetByteCount(i.Name), i.Size));

        var dir = await Store.ListAsync(Bucket, prefix + "dir/", cancellationToken: Ct);
        Assert.Equal([prefix + "dir/c.txt", prefix + "dir/sub/d.txt"], dir.Items.Select(i => i.Name));
    }

    [Fact]
    public async Task Copy_duplicates_content_and_metadata_and_fails_for_a_missing_source()
    {
        var prefix = NewPrefix();
        await Store.PutAsync(Bucket, prefix + "from.txt", Text("copied"), new BlobWriteOptions
        {
            ContentType = "text/plain",
            Metadata = new Dictionary<string, string> { ["k"] = "v" },
        }, Ct);

        var copy = await Store.CopyAsync(Bucket, prefix + "from.txt", BucketNames.BuildArtifacts, prefix + "to.txt", cancellationToken: Ct);

        Assert.Equal(BucketNames.BuildArtifacts, copy.Bucket);
        Assert.Equal(6, copy.Size);
        await using (var reader = await Store.OpenReadAsync(BucketNames.BuildArtifacts, prefix + "to.txt", Ct))
        {
            Assert.Equal("copied", await ReadTextAsync(reader!));
            Assert.Equal("v", reader!.Info.Metadata["k"]);
        }

        await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.CopyAsync(Bucket, prefix + "nope.txt", Bucket, prefix + "x.txt", cancellationToken: Ct));
        Assert.Null(await Store.GetInfoAsync(Bucket, prefix + "x.txt", Ct));
    }

    [Fact]
    public async Task Delete_removes_the_object()
    {
        var name = NewPrefix() + "del.txt";
        await Store.PutAsync(Bucket, name, Text("bye"), cancellationToken: Ct);

        Assert.True(await Store.DeleteAsync(Bucket, name, cancellationToken: Ct));
        Assert.Null(await Store.GetInfoAsync(Bucket, name, Ct));
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("a/../../escape.txt")]
    [InlineData("/absolute.txt")]
    [InlineData("a//b.txt")]
    [InlineData("back\\slash.txt")]
    [InlineData("")]
    public async Task Unsafe_names_are_rejected_before_any_io(string name)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync(Bucket, name, Text("x"), cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.OpenReadAsync(Bucket, name, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    [InlineData(8 * 24 * 3600)]
    public async Task Signed_url_lifetimes_outside_seven_days_are_rejected(int seconds)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Store.CreateSignedUrlAsync(Bucket, NewPrefix() + "x.bin", SignedUrlMethod.Get, TimeSpan.FromSeconds(seconds), cancellationToken: Ct));
    }

    [Fact]
    public async Task Unknown_buckets_are_rejected()
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PutAsync("someone-elses-bucket", "a.txt", Text("x"), cancellationToken: Ct));
    }

    [Fact]
    public async Task Signed_urls_let_the_holder_upload_and_download_exactly_that_object()
    {
        var name = NewPrefix() + "artifact.aab";
        var putUrl = await Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Put, TimeSpan.FromMinutes(5), "application/octet-stream", Ct);

        using var upload = new ByteArrayContent(Encoding.UTF8.GetBytes("signed upload"));
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using (var put = await SignedUrlClient.PutAsync(putUrl, upload, Ct))
        {
            Assert.True(put.IsSuccessStatusCode, $"PUT {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(Ct)}");
        }

        Assert.Equal(13, (await Store.GetInfoAsync(Bucket, name, Ct))!.Size);

        var getUrl = await Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.Equal("signed upload", await SignedUrlClient.GetStringAsync(getUrl, Ct));
    }

    /// <summary>Stores that verify signatures themselves must refuse tampered or expired URLs.</summary>
    /// <param name="createExpiredUrl">Makes a correctly signed GET URL for the name whose lifetime has already passed.</param>
    protected async Task AssertSignedUrlsAreVerifiedAsync(Func<string, Task<Uri>> createExpiredUrl)
    {
        var name = NewPrefix() + "secret.txt";
        await Store.PutAsync(Bucket, name, Text("secret"), cancellationToken: Ct);
        var url = await Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(5), cancellationToken: Ct);

        var otherName = url.ToString().Replace("secret.txt", "other.txt", StringComparison.Ordinal);
        using (var tampered = await SignedUrlClient.GetAsync(new Uri(otherName), Ct))
        {
            Assert.False(tampered.IsSuccessStatusCode);
        }

        var expired = await createExpiredUrl(name);
        using (var late = await SignedUrlClient.GetAsync(expired, Ct))
        {
            Assert.False(late.IsSuccessStatusCode);
        }

        var getUrl = await Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        using var wrongMethod = new ByteArrayContent([1]);
        using (var put = await SignedUrlClient.PutAsync(getUrl, wrongMethod, Ct))
        {
            Assert.False(put.IsSuccessStatusCode);
        }

        await using var reader = await Store.OpenReadAsync(Bucket, name, Ct);
        Assert.Equal("secret", await ReadTextAsync(reader!));
    }

    /// <summary>How large the streaming test's object is; adapters whose server is slow may lower it.</summary>
    protected virtual long LargeObjectBytes => 200L * 1024 * 1024;

    [Fact]
    public async Task A_large_object_streams_through_without_sitting_in_memory()
    {
        var name = NewPrefix() + "big.bin";
        using var source = new PatternStream(LargeObjectBytes);
        using var monitor = new ManagedMemoryMonitor();

        var info = await Store.PutAsync(Bucket, name, source, new BlobWriteOptions { ContentType = "application/octet-stream" }, Ct);
        Assert.Equal(LargeObjectBytes, info.Size);

        await using (var reader = await Store.OpenReadAsync(Bucket, name, Ct))
        {
            using var sha = SHA256.Create();
            await using var hashing = new CryptoStream(Stream.Null, sha, CryptoStreamMode.Write);
            await reader!.Content.CopyToAsync(hashing, 81920, Ct);
            await hashing.FlushFinalBlockAsync(Ct);
            Assert.Equal(PatternStream.Sha256Of(LargeObjectBytes), sha.Hash);
        }

        // The object is 200 MB; buffering it whole would show here. Ceiling leaves room for other
        // tests running in parallel in the same process.
        Assert.True(monitor.PeakGrowthBytes < 96L * 1024 * 1024, $"managed heap grew by {monitor.PeakGrowthBytes / (1024 * 1024)} MB");
        await Store.DeleteAsync(Bucket, name, cancellationToken: Ct);
    }
}
