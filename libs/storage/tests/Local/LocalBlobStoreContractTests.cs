using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Local;
using PocketCode.Storage.Tests.Contracts;
using Xunit;

namespace PocketCode.Storage.Tests.Local;

/// <summary>A local blob folder plus a real Kestrel server on 127.0.0.1 serving its signed URLs.</summary>
public sealed class LocalBlobStoreFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public DirectoryInfo Folder { get; } = Directory.CreateTempSubdirectory("pocketcode-blobs-");

    public LocalBlobStore Store { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public HttpClient Client { get; } = new();

    public async ValueTask InitializeAsync()
    {
        // Port 0, read back once listening: a port found free beforehand can be taken meanwhile.
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        // Resolved per request, so the store can be made once its address is known.
        builder.Services.AddSingleton<IBlobStore>(_ => Store);
        _app = builder.Build();
        _app.MapLocalBlobEndpoints();
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Urls.Single() + "/");
        Store = new LocalBlobStore(new LocalBlobStoreOptions { RootPath = Folder.FullName, PublicBaseUrl = BaseUrl });
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Folder.Delete(recursive: true);
    }
}

public sealed class LocalBlobStoreContractTests(LocalBlobStoreFixture fixture) : BlobStoreContract, IClassFixture<LocalBlobStoreFixture>
{
    protected override IBlobStore Store => fixture.Store;

    protected override HttpClient SignedUrlClient => fixture.Client;

    [Fact]
    public Task Signed_urls_are_verified_for_name_expiry_and_method() => AssertSignedUrlsAreVerifiedAsync(name =>
    {
        // Same folder, hence the same signing key, but a clock ten minutes behind: a genuine signature that has expired.
        var past = new LocalBlobStore(new LocalBlobStoreOptions
        {
            RootPath = fixture.Folder.FullName,
            PublicBaseUrl = fixture.BaseUrl,
            TimeProvider = new ShiftedClock(TimeSpan.FromMinutes(-10)),
        });
        return past.CreateSignedUrlAsync(Bucket, name, SignedUrlMethod.Get, TimeSpan.FromMinutes(5), cancellationToken: Ct);
    });

    private sealed class ShiftedClock(TimeSpan offset) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + offset;
    }

    [Fact]
    public async Task Objects_survive_a_new_store_instance_on_the_same_folder()
    {
        var name = NewPrefix() + "kept.txt";
        await Store.PutAsync(Bucket, name, new MemoryStream([1, 2, 3]), cancellationToken: Ct);

        var reopened = new LocalBlobStore(new LocalBlobStoreOptions { RootPath = fixture.Folder.FullName, PublicBaseUrl = new Uri("http://127.0.0.1/") });

        Assert.Equal(3, (await reopened.GetInfoAsync(Bucket, name, Ct))!.Size);
    }

    [Fact]
    public async Task Concurrent_creates_with_the_only_if_absent_precondition_let_exactly_one_win()
    {
        var name = NewPrefix() + "race.txt";
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await Store.PutAsync(Bucket, name, new MemoryStream([(byte)i]), new BlobWriteOptions { IfGenerationMatch = 0 }, Ct);
                return true;
            }
            catch (BlobPreconditionFailedException)
            {
                return false;
            }
        }, Ct)));

        Assert.Single(outcomes, won => won);
    }
}
