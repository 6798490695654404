using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Gcs;
using PocketCode.Storage.Tests.Contracts;
using Xunit;

namespace PocketCode.Storage.Tests.Gcs;

/// <summary>GCS-specific behaviour of <see cref="GcsBlobStore"/> beyond the shared contract.</summary>
public sealed class GcsBlobStoreTests(StorageEmulatorFixture fixture) : IClassFixture<StorageEmulatorFixture>
{
    private const string Bucket = BucketNames.ProjectSourceFiles;
    private const int SmallestChunk = 256 * 1024;

    private static string NewPrefix() => "g" + Guid.NewGuid().ToString("N")[..12] + "/";

    [Theory]
    [InlineData(0L)]
    [InlineData(1L)]
    [InlineData((long)SmallestChunk)]
    [InlineData(2L * SmallestChunk)]
    [InlineData((4L * SmallestChunk) + 12_345)]
    public async Task Uploads_of_several_chunks_keep_every_byte(long size)
    {
        Assert.SkipUnless(fixture.SupportsMultiChunkUploads, "A stock emulator keeps only the first chunk of a resumable upload.");
        using var store = fixture.CreateStore(uploadChunkSize: SmallestChunk);
        var name = NewPrefix() + "chunks.bin";

        using var source = new PatternStream(size);
        var info = await store.PutAsync(Bucket, name, source, cancellationToken: Ct);
        Assert.Equal(size, info.Size);

        await using var reader = await store.OpenReadAsync(Bucket, name, Ct);
        Assert.NotNull(reader);
        Assert.False(reader.Content.CanSeek);
        Assert.Equal(PatternStream.Sha256Of(size), await SHA256.HashDataAsync(reader.Content, Ct));
    }

    [Fact]
    public async Task Logical_buckets_map_to_prefixed_real_buckets()
    {
        var name = NewPrefix() + "where.txt";
        await fixture.Store.PutAsync(BucketNames.MarketplaceAssets, name, new MemoryStream("here"u8.ToArray()), cancellationToken: Ct);

        var real = new Uri(fixture.BaseUri, $"b/{fixture.BucketPrefix}{BucketNames.MarketplaceAssets}/o/{Uri.EscapeDataString(name)}?alt=media");
        Assert.Equal("here", await fixture.Client.GetStringAsync(real, Ct));
        Assert.Equal(fixture.BucketPrefix + "build-artifacts", fixture.Store.RealBucketName(BucketNames.BuildArtifacts));

        using var unprefixed = await fixture.Client.GetAsync(new Uri(fixture.BaseUri, $"b/{BucketNames.MarketplaceAssets}/o/{Uri.EscapeDataString(name)}"), Ct);
        Assert.Equal(HttpStatusCode.NotFound, unprefixed.StatusCode);
    }

    [Fact]
    public async Task Info_carries_generation_etag_md5_and_update_time_from_the_object()
    {
        var name = NewPrefix() + "meta.txt";
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);
        var info = await fixture.Store.PutAsync(Bucket, name, new MemoryStream("hello"u8.ToArray()), cancellationToken: Ct);

#pragma warning disable CA5351 // GCS reports MD5; the test checks the adapter passes it through.
        Assert.Equal(Convert.ToBase64String(MD5.HashData("hello"u8)), info.Md5Base64);
#pragma warning restore CA5351
        Assert.Equal("application/octet-stream", info.ContentType);
        Assert.Empty(info.Metadata);
        Assert.InRange(info.Updated, before, DateTimeOffset.UtcNow.AddMinutes(5));

        using var raw = await fixture.Client.GetAsync(new Uri(fixture.BaseUri, $"b/{fixture.Store.RealBucketName(Bucket)}/o/{Uri.EscapeDataString(name)}"), Ct);
        using var json = JsonDocument.Parse(await raw.Content.ReadAsStringAsync(Ct));
        Assert.Equal(json.RootElement.GetProperty("generation").GetString(), info.Generation.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(json.RootElement.GetProperty("etag").GetString(), info.ETag);
    }

    [Fact]
    public async Task Concurrent_creates_with_the_only_if_absent_precondition_let_exactly_one_win()
    {
        Assert.SkipUnless(fixture.EnforcesGenerationPreconditions, "A stock emulator ignores ifGenerationMatch.");
        var name = NewPrefix() + "race.txt";
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => Task.Run(async () =>
        {
            try
            {
                await fixture.Store.PutAsync(Bucket, name, new MemoryStream([(byte)i]), new BlobWriteOptions { IfGenerationMatch = 0 }, Ct);
                return true;
            }
            catch (BlobPreconditionFailedException)
            {
                return false;
            }
        }, Ct)));

        Assert.Single(outcomes, won => won);
    }

    [Fact]
    public async Task Copy_honours_the_target_precondition_and_overrides_content_type_and_metadata()
    {
        var prefix = NewPrefix();
        var source = await fixture.Store.PutAsync(Bucket, prefix + "src.txt", new MemoryStream("source"u8.ToArray()), new BlobWriteOptions
        {
            ContentType = "text/plain",
            Metadata = new Dictionary<string, string> { ["a"] = "1" },
        }, Ct);

        var copy = await fixture.Store.CopyAsync(Bucket, prefix + "src.txt", Bucket, prefix + "dst.txt", new BlobWriteOptions
        {
            ContentType = "text/markdown",
            Metadata = new Dictionary<string, string> { ["b"] = "2" },
            IfGenerationMatch = 0,
        }, Ct);

        Assert.Equal("text/markdown", copy.ContentType);
        Assert.Equal(new Dictionary<string, string> { ["b"] = "2" }, copy.Metadata);
        Assert.Equal(source.Size, copy.Size);
        Assert.NotEqual(source.Generation, copy.Generation);

        var plain = await fixture.Store.CopyAsync(Bucket, prefix + "src.txt", Bucket, prefix + "plain.txt", cancellationToken: Ct);
        Assert.Equal("text/plain", plain.ContentType);
        Assert.Equal("1", plain.Metadata["a"]);

        if (fixture.EnforcesGenerationPreconditions)
        {
            await Assert.ThrowsAsync<BlobPreconditionFailedException>(() => fixture.Store.CopyAsync(
                Bucket, prefix + "src.txt", Bucket, prefix + "dst.txt", new BlobWriteOptions { IfGenerationMatch = 0 }, Ct));
            var again = await fixture.Store.CopyAsync(Bucket, prefix + "src.txt", Bucket, prefix + "dst.txt", new BlobWriteOptions { IfGenerationMatch = copy.Generation }, Ct);
            Assert.Equal("text/plain", again.ContentType);
        }
    }

    [Fact]
    public async Task Signed_urls_are_v4_for_the_emulator_host_and_bind_the_upload_content_type()
    {
        Assert.SkipUnless(fixture.SupportsSignedUrlUploads, "A stock emulator answers 501 to signed-URL uploads.");
        var name = NewPrefix() + "dir/app release.aab";
        var put = await fixture.Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Put, TimeSpan.FromMinutes(10), "application/zip", Ct);

        Assert.Equal(fixture.BaseUri.Authority, put.Authority);
        Assert.Equal("http", put.Scheme);
        Assert.StartsWith($"/{fixture.Store.RealBucketName(Bucket)}/", put.AbsolutePath, StringComparison.Ordinal);
        var query = put.Query;
        Assert.Contains("X-Goog-Algorithm=GOOG4-RSA-SHA256", query, StringComparison.Ordinal);
        Assert.Contains("X-Goog-Expires=600", query, StringComparison.Ordinal);
        Assert.Contains("X-Goog-SignedHeaders=content-type%3Bhost", query, StringComparison.Ordinal);
        Assert.Matches("X-Goog-Signature=[0-9a-f]{512}", query);

        using var body = new ByteArrayContent("zip!"u8.ToArray());
        body.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        using (var response = await fixture.Client.PutAsync(put, body, Ct))
        {
            Assert.True(response.IsSuccessStatusCode, $"PUT {(int)response.StatusCode}");
        }

        var info = await fixture.Store.GetInfoAsync(Bucket, name, Ct);
        Assert.Equal("application/zip", info!.ContentType);
        var get = await fixture.Store.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(1), cancellationToken: Ct);
        Assert.DoesNotContain("content-type", get.Query, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("zip!", await fixture.Client.GetStringAsync(get, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-60)]
    [InlineData(8 * 24 * 3600)]
    public async Task Signed_url_lifetimes_outside_the_v4_range_are_rejected(int seconds)
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => fixture.Store.CreateSignedUrlAsync(
            Bucket, "a.txt", SignedUrlMethod.Get, TimeSpan.FromSeconds(seconds), cancellationToken: Ct));
    }

    [Fact]
    public async Task Reads_stream_progressively_from_the_server()
    {
        Assert.SkipUnless(fixture.SupportsMultiChunkUploads, "Needs an object larger than one upload chunk.");
        var name = NewPrefix() + "progressive.bin";
        const long size = 24L * 1024 * 1024;
        using (var source = new PatternStream(size))
        {
            await fixture.Store.PutAsync(Bucket, name, source, cancellationToken: Ct);
        }

        await using var reader = await fixture.Store.OpenReadAsync(Bucket, name, Ct);
        Assert.NotNull(reader);
        Assert.IsNotType<MemoryStream>(reader.Content);

        // Reading a few bytes must not have pulled the object in: the rest is still on the wire.
        var head = new byte[16];
        await reader.Content.ReadExactlyAsync(head, Ct);
        Assert.Equal(Enumerable.Range(0, 16).Select(i => PatternStream.At(i)), head);
        Assert.Throws<NotSupportedException>(() => reader.Content.Length);
        long rest = 0;
        var buffer = new byte[64 * 1024];
        int n;
        while ((n = await reader.Content.ReadAsync(buffer, Ct)) > 0)
        {
            rest += n;
        }

        Assert.Equal(size - 16, rest);
        await fixture.Store.DeleteAsync(Bucket, name, cancellationToken: Ct);
    }

    [Fact]
    public async Task Ping_succeeds_on_the_emulator_and_fails_when_nothing_listens()
    {
        await fixture.Store.PingAsync(Ct);

        using var dead = new GcsBlobStore(new GcsBlobStoreOptions { ProjectId = fixture.ProjectId, EmulatorHost = "127.0.0.1:1" });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var error = await Assert.ThrowsAnyAsync<Exception>(() => dead.PingAsync(timeout.Token));
        Assert.False(error is OperationCanceledException, $"expected a connection failure, got {error}");
    }

    [Fact]
    public void Chunk_sizes_must_be_multiples_of_256_KiB()
    {
        Assert.Throws<ArgumentException>(() => new GcsBlobStore(new GcsBlobStoreOptions { EmulatorHost = "127.0.0.1:1", UploadChunkSize = 1000 }));
        using var ok = new GcsBlobStore(new GcsBlobStoreOptions { EmulatorHost = "127.0.0.1:1", UploadChunkSize = 3 * SmallestChunk });
        Assert.True(ok.UsesEmulator);
    }

    [Fact]
    public async Task Generation_pinned_reads_do_not_mix_versions()
    {
        var name = NewPrefix() + "pinned.txt";
        var v1 = await fixture.Store.PutAsync(Bucket, name, new MemoryStream(Encoding.UTF8.GetBytes("version one")), cancellationToken: Ct);
        await fixture.Store.PutAsync(Bucket, name, new MemoryStream(Encoding.UTF8.GetBytes("version two, longer")), cancellationToken: Ct);

        await using var reader = await fixture.Store.OpenReadAsync(Bucket, name, Ct);
        Assert.NotEqual(v1.Generation, reader!.Info.Generation);
        using var text = new StreamReader(reader.Content);
        var content = await text.ReadToEndAsync(Ct);
        Assert.Equal("version two, longer", content);
        Assert.Equal(content.Length, reader.Info.Size);
    }
}
