using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Bff.Tests.Projects;
using PocketCode.Storage.Blobs;
using Xunit;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Build artifacts through the local blob store's signed URLs, on a real Kestrel socket (where the
/// service's default body limit and its Content-Length check apply). Hundreds of MB go through in
/// bench/Streaming.Bench; here just over the default limit proves the limit is lifted in time.
/// </summary>
public sealed class ArtifactTransferTests(KestrelBffFactory factory) : IClassFixture<KestrelBffFactory>
{
    [Fact]
    public async Task An_artifact_over_the_default_body_limit_uploads_and_downloads_through_its_signed_urls()
    {
        using var client = await factory.CreateClientForAsync("artifact-size-user");
        var blobs = factory.Services.GetRequiredService<IBlobStore>();
        const string name = "artifact-size-user/p1/b1/app-release.aab";
        var content = RandomNumberGenerator.GetBytes(11 * 1024 * 1024); // Limits:MaxRequestBodyBytes is 10 MB.

        var upload = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, name, SignedUrlMethod.Put, TimeSpan.FromMinutes(5), "application/octet-stream", Ct);
        using var body = new ByteArrayContent(content);
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var anonymous = factory.CreateClient();
        // A server that refuses answers before reading; with 100-continue that is a clean 413, not a broken pipe.
        anonymous.DefaultRequestHeaders.ExpectContinue = true;
        using var put = await anonymous.PutAsync(upload.PathAndQuery, body, Ct);
        Assert.True(put.StatusCode == HttpStatusCode.OK, $"upload answered {(int)put.StatusCode}: {await put.Content.ReadAsStringAsync(Ct)}");

        var download = await blobs.CreateSignedUrlAsync(BucketNames.BuildArtifacts, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(5), cancellationToken: Ct);
        Assert.Equal(content, await anonymous.GetByteArrayAsync(download.PathAndQuery, Ct));
    }
}
