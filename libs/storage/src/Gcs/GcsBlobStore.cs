using System.Globalization;
using System.Net;
using Google;
using Google.Api.Gax;
using Google.Apis.Storage.v1;
using Google.Cloud.Storage.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using PocketCode.Storage.Blobs;
using GcsObject = Google.Apis.Storage.v1.Data.Object;

namespace PocketCode.Storage.Gcs;

/// <summary>
/// <see cref="IBlobStore"/> on Google Cloud Storage through <c>Google.Cloud.Storage.V1</c>.
/// Production: Application Default Credentials and V4 signed URLs signed by the ADC identity (or
/// by <see cref="GcsBlobStoreOptions.SigningServiceAccountEmail"/> through IAM <c>signBlob</c>).
/// Emulator (<see cref="GcsBlobStoreOptions.EmulatorHost"/>): unauthenticated HTTP and URLs signed
/// offline with an RSA key created in memory. Uploads and downloads stream; nothing holds a whole
/// object in memory.
/// </summary>
public sealed partial class GcsBlobStore : IBlobStore, IDisposable
{
    private const string DefaultContentType = "application/octet-stream";

    private readonly GcsBlobStoreOptions _options;
    private readonly ILogger<GcsBlobStore> _logger;
    private readonly Uri? _emulatorBaseUri;
    private readonly AsyncLazy<StorageClient> _client;
    private readonly GcsUrlSigner _signer;
    private bool _disposed;

    public GcsBlobStore(GcsBlobStoreOptions options, ILogger<GcsBlobStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _logger = logger ?? NullLogger<GcsBlobStore>.Instance;

        if (options.UploadChunkSize is { } chunk && (chunk <= 0 || chunk % UploadObjectOptions.MinimumChunkSize != 0))
        {
            throw new ArgumentException($"UploadChunkSize must be a positive multiple of {UploadObjectOptions.MinimumChunkSize} bytes.", nameof(options));
        }

        if (!string.IsNullOrWhiteSpace(options.EmulatorHost))
        {
            var host = options.EmulatorHost.Trim();
            if (host.Contains("://", StringComparison.Ordinal))
            {
                // Accept a full URL too, although STORAGE_EMULATOR_HOST is host:port.
                host = new Uri(host).Authority;
            }

            _emulatorBaseUri = new Uri($"http://{host.TrimEnd('/')}/");
            _client = new AsyncLazy<StorageClient>(_ => Task.FromResult(CreateEmulatorClient(_emulatorBaseUri)));
            LogStarted(_logger, "emulator " + _emulatorBaseUri, options.BucketPrefix);
        }
        else
        {
            _client = new AsyncLazy<StorageClient>(async _ => await StorageClient.CreateAsync());
            LogStarted(_logger, "Cloud Storage, project " + options.ProjectId, options.BucketPrefix);
        }

        _signer = new GcsUrlSigner(options, _emulatorBaseUri);
    }

    /// <summary>True when the store talks to an emulator rather than Cloud Storage.</summary>
    public bool UsesEmulator => _emulatorBaseUri is not null;

    /// <summary>The real bucket name behind a logical one.</summary>
    public string RealBucketName(string logicalBucket) => _options.BucketPrefix + logicalBucket;

    public async Task<BlobInfo> PutAsync(string bucket, string name, Stream content, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        ArgumentNullException.ThrowIfNull(content);
        var client = await GetClientAsync(cancellationToken);
        var destination = new GcsObject
        {
            Bucket = RealBucketName(bucket),
            Name = name,
            ContentType = options?.ContentType ?? DefaultContentType,
            Metadata = options?.Metadata is { } metadata ? new Dictionary<string, string>(metadata, StringComparer.Ordinal) : null,
        };
        var uploadOptions = new UploadObjectOptions
        {
            IfGenerationMatch = options?.IfGenerationMatch,
            ChunkSize = _options.UploadChunkSize,
        };

        try
        {
            // Resumable upload straight from the caller's stream: at most one chunk is buffered.
            var stored = await client.UploadObjectAsync(destination, content, uploadOptions, cancellationToken);
            return ToInfo(bucket, stored);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new BlobPreconditionFailedException(bucket, name);
        }
        catch (GoogleApiException e)
        {
            throw Failure("upload", bucket, name, e);
        }
    }

    public async Task<BlobReader?> OpenReadAsync(string bucket, string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        var client = await GetClientAsync(cancellationToken);

        // Metadata first (custom metadata is not part of a media response), then the media of
        // exactly that generation, so the content always matches the returned info. If the
        // object is replaced in between, that generation is gone (404) and we start over.
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var stored = await GetObjectAsync(client, bucket, name, cancellationToken);
            if (stored is null)
            {
                return null;
            }

            var request = client.Service.Objects.Get(RealBucketName(bucket), name);
            request.Generation = stored.Generation;
            request.Alt = StorageBaseServiceRequest<GcsObject>.AltEnum.Media;
            using var message = request.CreateRequest();
            var response = await client.Service.HttpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            try
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    response.Dispose();
                    continue;
                }

                if (!response.IsSuccessStatusCode)
                {
                    var detail = await response.Content.ReadAsStringAsync(cancellationToken);
                    throw new BlobStoreException(
                        $"Cloud Storage download of '{name}' from bucket '{bucket}' failed: HTTP {(int)response.StatusCode} {Truncate(detail)}");
                }

                var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                return new BlobReader(ToInfo(bucket, stored), new GcsResponseStream(response, body));
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }

        throw new BlobStoreException($"Object '{name}' in bucket '{bucket}' kept changing while being opened.");
    }

    public async Task<BlobInfo?> GetInfoAsync(string bucket, string name, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        var client = await GetClientAsync(cancellationToken);
        var stored = await GetObjectAsync(client, bucket, name, cancellationToken);
        return stored is null ? null : ToInfo(bucket, stored);
    }

    public async Task<BlobPage> ListAsync(string bucket, string prefix, int pageSize = 1000, string? pageToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        BlobNames.ValidatePrefix(bucket, prefix);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(pageSize);
        var client = await GetClientAsync(cancellationToken);
        var listOptions = new ListObjectsOptions
        {
            PageSize = Math.Min(pageSize, 1000),
            PageToken = string.IsNullOrEmpty(pageToken) ? null : pageToken,
        };

        try
        {
            // One raw response is one server page; its token continues exactly where it stopped.
            await foreach (var response in client.ListObjectsAsync(RealBucketName(bucket), prefix.Length == 0 ? null : prefix, listOptions)
                .AsRawResponses()
                .WithCancellation(cancellationToken))
            {
                var items = response.Items?.Select(o => ToInfo(bucket, o)).ToList() ?? [];
                return new BlobPage(items, string.IsNullOrEmpty(response.NextPageToken) ? null : response.NextPageToken);
            }

            return new BlobPage([], null);
        }
        catch (GoogleApiException e)
        {
            throw Failure("list", bucket, prefix, e);
        }
    }

    public async Task<BlobInfo> CopyAsync(string sourceBucket, string sourceName, string targetBucket, string targetName, BlobWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(sourceBucket, sourceName);
        BlobNames.Validate(targetBucket, targetName);
        var client = await GetClientAsync(cancellationToken);
        var overridesMetadata = options?.ContentType is not null || options?.Metadata is not null;

        for (var attempt = 0; ; attempt++)
        {
            var copyOptions = new CopyObjectOptions { IfGenerationMatch = options?.IfGenerationMatch };
            if (overridesMetadata)
            {
                // A destination resource in the request replaces the source's metadata, so send
                // the complete result: overrides on top of the source as it is now (pinned by
                // generation, so a concurrent overwrite of the source cannot mix two versions).
                var source = await GetObjectAsync(client, sourceBucket, sourceName, cancellationToken)
                    ?? throw new BlobNotFoundException(sourceBucket, sourceName);
                copyOptions.IfSourceGenerationMatch = source.Generation;
                copyOptions.ExtraMetadata = new GcsObject
                {
                    ContentType = options!.ContentType ?? source.ContentType ?? DefaultContentType,
                    Metadata = options.Metadata is { } metadata
                        ? new Dictionary<string, string>(metadata, StringComparer.Ordinal)
                        : source.Metadata,
                };
            }

            try
            {
                var copied = await client.CopyObjectAsync(RealBucketName(sourceBucket), sourceName, RealBucketName(targetBucket), targetName, copyOptions, cancellationToken);
                return ToInfo(targetBucket, copied);
            }
            catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
            {
                throw new BlobNotFoundException(sourceBucket, sourceName);
            }
            catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.PreconditionFailed)
            {
                // Either the caller's target precondition failed, or (only with overrides) the
                // source changed since we read it; only the latter is worth another attempt.
                if (!overridesMetadata || attempt >= 2 || options?.IfGenerationMatch is { } expected && await TargetGenerationAsync() != expected)
                {
                    throw new BlobPreconditionFailedException(targetBucket, targetName);
                }
            }
            catch (GoogleApiException e)
            {
                throw Failure("copy", sourceBucket, sourceName, e);
            }
        }

        async Task<long> TargetGenerationAsync() => (await GetObjectAsync(client, targetBucket, targetName, cancellationToken))?.Generation ?? 0;
    }

    public async Task<bool> DeleteAsync(string bucket, string name, long? ifGenerationMatch = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        var client = await GetClientAsync(cancellationToken);
        try
        {
            await client.DeleteObjectAsync(RealBucketName(bucket), name, new DeleteObjectOptions { IfGenerationMatch = ifGenerationMatch }, cancellationToken);
            return true;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.PreconditionFailed)
        {
            throw new BlobPreconditionFailedException(bucket, name);
        }
        catch (GoogleApiException e)
        {
            throw Failure("delete", bucket, name, e);
        }
    }

    public async Task<Uri> CreateSignedUrlAsync(string bucket, string name, SignedUrlMethod method, TimeSpan lifetime, string? contentType = null, CancellationToken cancellationToken = default)
    {
        BlobNames.Validate(bucket, name);
        SignedUrls.ValidateLifetime(lifetime);
        return await _signer.SignAsync(RealBucketName(bucket), name, method, lifetime, contentType, cancellationToken);
    }

    public async Task PingAsync(CancellationToken cancellationToken = default)
    {
        var client = await GetClientAsync(cancellationToken);
        var checks = BucketNames.All.Select(async bucket =>
        {
            try
            {
                var listOptions = new ListObjectsOptions { PageSize = 1, Fields = "nextPageToken" };
                await foreach (var _ in client.ListObjectsAsync(RealBucketName(bucket), null, listOptions).AsRawResponses().WithCancellation(cancellationToken))
                {
                    break;
                }
            }
            catch (GoogleApiException e)
            {
                throw Failure("reach", bucket, "", e);
            }
        });
        await Task.WhenAll(checks);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_client.TryGetCompleted(out var client))
        {
            client.Dispose();
        }

        _signer.Dispose();
    }

    private Task<StorageClient> GetClientAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _client.GetAsync(cancellationToken);
    }

    private async Task<GcsObject?> GetObjectAsync(StorageClient client, string bucket, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetObjectAsync(RealBucketName(bucket), name, cancellationToken: cancellationToken);
        }
        catch (GoogleApiException e) when (e.HttpStatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (GoogleApiException e)
        {
            throw Failure("read metadata of", bucket, name, e);
        }
    }

    private static StorageClient CreateEmulatorClient(Uri baseUri) => new StorageClientBuilder
    {
        // Not .../storage/v1/: the emulator serves the JSON API at the root and uploads under /upload/.
        BaseUri = baseUri.ToString(),
        UnauthenticatedAccess = true,
        EmulatorDetection = EmulatorDetection.None,
    }.Build();

    private static BlobInfo ToInfo(string logicalBucket, GcsObject stored)
    {
        IReadOnlyDictionary<string, string> metadata = stored.Metadata is { Count: > 0 } m
            ? new Dictionary<string, string>(m, StringComparer.Ordinal)
            : new Dictionary<string, string>(StringComparer.Ordinal);
        return new BlobInfo(
            logicalBucket,
            stored.Name,
            checked((long)(stored.Size ?? 0)),
            string.IsNullOrEmpty(stored.ContentType) ? DefaultContentType : stored.ContentType,
            stored.Generation ?? 0,
            stored.ETag ?? (stored.Generation ?? 0).ToString(CultureInfo.InvariantCulture),
            stored.UpdatedDateTimeOffset ?? stored.TimeCreatedDateTimeOffset ?? DateTimeOffset.UnixEpoch,
            metadata,
            string.IsNullOrEmpty(stored.Md5Hash) ? null : stored.Md5Hash);
    }

    private BlobStoreException Failure(string action, string bucket, string name, GoogleApiException e)
    {
        LogRequestFailed(_logger, action, bucket, name, (int)e.HttpStatusCode, e);
        return new BlobStoreException(
            $"Cloud Storage could not {action} '{name}' in bucket '{bucket}' ({RealBucketName(bucket)}): HTTP {(int)e.HttpStatusCode} {e.Error?.Message ?? e.Message}", e);
    }

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [LoggerMessage(Level = LogLevel.Information, Message = "GCS blob store on {Target}, bucket prefix '{Prefix}'")]
    private static partial void LogStarted(ILogger logger, string target, string prefix);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cloud Storage could not {Action} '{Name}' in bucket '{Bucket}': HTTP {Status}")]
    private static partial void LogRequestFailed(ILogger logger, string action, string bucket, string name, int status, Exception exception);
}
