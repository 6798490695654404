using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PocketCode.Archives;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using Semver;

namespace PocketCode.Marketplace.Assets;

/// <summary>
/// An asset's versions: declare one, take its zip (streamed through the service or uploaded with a
/// signed URL and confirmed), verify it and publish it, hand out download URLs and count downloads.
/// </summary>
internal sealed partial class VersionService(
    IDocumentStore documents, IBlobStore blobs, AssetService assets, IOptions<MarketplaceOptions> options, ILogger<VersionService> logger)
{
    public const string RejectedCode = "version_rejected";
    public const string ZipContentType = "application/zip";
    private const string Bucket = BucketNames.MarketplaceAssets;

    public async Task<CreatedVersion> CreateVersionAsync(string uid, string id, CreateVersionRequest request, CancellationToken cancellationToken)
    {
        var version = AssetRules.Version(request.Version).ToString();
        var changelog = AssetRules.Text(request.Changelog, "changelog", AssetRules.MaxChangelog);
        var sha256 = AssetRules.Sha256(request.Sha256);
        var settings = options.Value;
        if (request.Size is not { } size || size <= 0)
        {
            throw FieldErrors.Invalid("size", "size is the zip's length in bytes.");
        }

        if (size > settings.MaxZipBytes)
        {
            throw new ProblemException(413, ProblemCodes.PayloadTooLarge,
                string.Create(CultureInfo.InvariantCulture, $"A version's zip may be at most {settings.MaxZipBytes} bytes."));
        }

        var path = AssetFields.VersionPath(id, version);
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = AssetService.EnsureOwned(await tx.GetAsync(AssetFields.AssetPath(id), ct), id, uid);
            var existing = await tx.GetAsync(path, ct);
            if (existing?.GetString(VersionFields.Status) == VersionFields.StatusPublished)
            {
                throw ProblemException.Conflict($"Version {version} is published and cannot change; publish a new version.");
            }

            tx.Set(path, new Dictionary<string, object?>
            {
                [VersionFields.Version] = version,
                [VersionFields.Changelog] = changelog,
                [VersionFields.Status] = VersionFields.StatusPending,
                [VersionFields.Reason] = null,
                [VersionFields.Sha256] = sha256,
                [VersionFields.Size] = size,
                [VersionFields.Downloads] = 0L,
                [VersionFields.CreatedAt] = FieldValue.ServerTimestamp,
                [VersionFields.PublishedAt] = null,
            });
            return asset;
        }, cancellationToken: cancellationToken);

        var lifetime = settings.UploadUrlLifetime;
        var url = await blobs.CreateSignedUrlAsync(Bucket, UploadName(id, version), SignedUrlMethod.Put, lifetime, ZipContentType, cancellationToken);
        var view = AssetMapping.Version((await documents.GetAsync(path, cancellationToken))!);
        return new CreatedVersion(view, new UploadInstructions(url, "PUT", ZipContentType, DateTimeOffset.UtcNow + lifetime));
    }

    /// <summary>Takes the zip through the service (streamed to storage), then verifies and publishes it.</summary>
    public async Task<VersionView> UploadAsync(string uid, string id, string versionText, Stream body, long? contentLength, CancellationToken cancellationToken)
    {
        var (asset, version) = await LoadPendingVersionAsync(uid, id, versionText, cancellationToken);
        var declared = version.GetInt64(VersionFields.Size) ?? 0;
        if (contentLength is { } length && length != declared)
        {
            throw ProblemException.BadRequest(string.Create(CultureInfo.InvariantCulture, $"The body has {length} bytes but the version declared {declared}."));
        }

        await blobs.PutAsync(Bucket, UploadName(id, version.Id), new LengthLimitedStream(body, declared), new BlobWriteOptions { ContentType = ZipContentType }, cancellationToken);
        return await VerifyAndPublishAsync(asset, version, cancellationToken);
    }

    /// <summary>After an upload to the signed URL: verifies the stored zip and publishes the version.</summary>
    public async Task<VersionView> ConfirmAsync(string uid, string id, string versionText, CancellationToken cancellationToken)
    {
        var (asset, version) = await LoadPendingVersionAsync(uid, id, versionText, cancellationToken);
        return await VerifyAndPublishAsync(asset, version, cancellationToken);
    }

    public async Task<VersionView> GetVersionAsync(Caller caller, string id, string versionText, CancellationToken cancellationToken)
    {
        var asset = await assets.LoadVisibleAsync(caller, id, cancellationToken);
        var version = await LoadVersionAsync(id, versionText, cancellationToken);
        if (version.GetString(VersionFields.Status) != VersionFields.StatusPublished && !AssetService.IsAuthor(asset, caller.Uid) && !caller.IsAdmin)
        {
            throw VersionNotFound(versionText);
        }

        return AssetMapping.Version(version);
    }

    /// <summary>A short-lived signed URL for a published version's zip; counts the download atomically.</summary>
    public async Task<DownloadLink> DownloadAsync(Caller caller, string id, string versionText, CancellationToken cancellationToken)
    {
        await assets.LoadVisibleAsync(caller, id, cancellationToken);
        var version = await LoadVersionAsync(id, versionText, cancellationToken);
        if (version.GetString(VersionFields.Status) != VersionFields.StatusPublished)
        {
            throw VersionNotFound(versionText);
        }

        var lifetime = options.Value.DownloadUrlLifetime;
        var url = await blobs.CreateSignedUrlAsync(Bucket, AssetFields.BlobName(id, version.Id), SignedUrlMethod.Get, lifetime, cancellationToken: cancellationToken);
        await documents.RunTransactionAsync((tx, _) =>
        {
            tx.Update(AssetFields.AssetPath(id), new Dictionary<string, object?> { [AssetFields.Downloads] = FieldValue.Increment(1) });
            tx.Update(version.Path, new Dictionary<string, object?> { [VersionFields.Downloads] = FieldValue.Increment(1) });
            return Task.FromResult(true);
        }, cancellationToken: cancellationToken);
        return new DownloadLink(url, DateTimeOffset.UtcNow + lifetime, version.GetString(VersionFields.Sha256)!, version.GetInt64(VersionFields.Size) ?? 0, version.Id);
    }

    private async Task<DocumentSnapshot> LoadVersionAsync(string id, string versionText, CancellationToken cancellationToken)
    {
        if (!AssetRules.TryVersion(versionText, out var parsed))
        {
            throw VersionNotFound(versionText);
        }

        return await documents.GetAsync(AssetFields.VersionPath(id, parsed.ToString()), cancellationToken) ?? throw VersionNotFound(versionText);
    }

    private async Task<(DocumentSnapshot Asset, DocumentSnapshot Version)> LoadPendingVersionAsync(string uid, string id, string versionText, CancellationToken cancellationToken)
    {
        var asset = AssetService.EnsureOwned(await documents.GetAsync(AssetFields.AssetPath(AssetService.CheckId(id)), cancellationToken), id, uid);
        var version = await LoadVersionAsync(id, versionText, cancellationToken);
        if (version.GetString(VersionFields.Status) == VersionFields.StatusPublished)
        {
            throw ProblemException.Conflict($"Version {version.Id} is already published and cannot change.");
        }

        return (asset, version);
    }

    /// <summary>
    /// Spools the uploaded zip to a temporary file while hashing it, checks size, SHA-256, zip
    /// safety and (for templates) the Gradle project, then stores exactly the verified bytes under
    /// the version's final name and publishes. Any failed check marks the version rejected with the
    /// reason, deletes the upload and answers 422.
    /// </summary>
    private async Task<VersionView> VerifyAndPublishAsync(DocumentSnapshot asset, DocumentSnapshot version, CancellationToken cancellationToken)
    {
        var id = asset.Id;
        var settings = options.Value;
        var work = Directory.CreateTempSubdirectory("pocketcode-market-");
        try
        {
            var zipPath = Path.Combine(work.FullName, "asset.zip");
            var (size, sha256) = await SpoolAsync(id, version.Id, zipPath, settings.MaxZipBytes, cancellationToken);
            var reason = await CheckAsync(asset.GetString(AssetFields.Kind), version, zipPath, size, sha256, work.FullName, settings, cancellationToken);
            if (reason is not null)
            {
                await RejectAsync(id, version, reason, cancellationToken);
            }

            await StoreVerifiedAsync(id, version.Id, zipPath, sha256, cancellationToken);
            await PublishAsync(id, version.Id, sha256, cancellationToken);
            await blobs.DeleteAsync(Bucket, UploadName(id, version.Id), cancellationToken: cancellationToken);
            return AssetMapping.Version((await documents.GetAsync(version.Path, cancellationToken))!);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
                // The OS temp cleaner gets it.
            }
        }
    }

    private async Task<(long Size, string Sha256)> SpoolAsync(string id, string version, string zipPath, long maxBytes, CancellationToken cancellationToken)
    {
        var reader = await blobs.OpenReadAsync(Bucket, UploadName(id, version), cancellationToken)
            ?? throw ProblemException.Conflict($"No zip was uploaded for version {version} yet; upload it to the signed URL first.");
        await using (reader)
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            await using var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            var buffer = new byte[81920];
            long size = 0;
            int read;
            while ((read = await reader.Content.ReadAsync(buffer, cancellationToken)) > 0)
            {
                size += read;
                if (size > maxBytes)
                {
                    // Keep counting no further: the size alone rejects it.
                    return (size, string.Empty);
                }

                hash.AppendData(buffer, 0, read);
                await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }

            return (size, Convert.ToHexStringLower(hash.GetHashAndReset()));
        }
    }

    private static async Task<string?> CheckAsync(
        string? kind, DocumentSnapshot version, string zipPath, long size, string sha256, string workFolder, MarketplaceOptions settings, CancellationToken cancellationToken)
    {
        var declaredSize = version.GetInt64(VersionFields.Size) ?? 0;
        if (size > settings.MaxZipBytes)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the zip is larger than the limit of {settings.MaxZipBytes} bytes.");
        }

        if (size != declaredSize)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the zip has {size} bytes but the version declared {declaredSize}.");
        }

        if (!string.Equals(sha256, version.GetString(VersionFields.Sha256), StringComparison.Ordinal))
        {
            return "the zip's SHA-256 does not match the declared one.";
        }

        var staging = Directory.CreateDirectory(Path.Combine(workFolder, "staged"));
        IReadOnlyList<StagedZipFile> files;
        try
        {
            files = await SafeZipStager.StageAsync(zipPath, staging.FullName, settings.ZipLimits(), cancellationToken);
        }
        catch (NotAZipException)
        {
            return "the file is not a zip archive.";
        }
        catch (ZipRejectedException ex)
        {
            return ex.Message;
        }

        return kind == AssetFields.KindTemplate && !HoldsGradleProject(files.Select(f => f.Path))
            ? "a template must contain a Gradle project (settings.gradle(.kts) or build.gradle(.kts) at its root)."
            : null;
    }

    /// <summary>Checks the kind-specific content rule: a template holds a Gradle project.</summary>
    public static bool HoldsGradleProject(IEnumerable<string> paths)
    {
        static bool IsGradleRoot(string name) => name is "settings.gradle" or "settings.gradle.kts" or "build.gradle" or "build.gradle.kts";
        var list = paths.ToList();
        if (list.Exists(IsGradleRoot))
        {
            return true;
        }

        // Also accepted: everything inside one top-level folder holding the Gradle files.
        var tops = list.Select(p => p.Split('/')[0]).Distinct(StringComparer.Ordinal).ToList();
        return tops.Count == 1 && list.Exists(p => p.Split('/') is [_, var name] && IsGradleRoot(name));
    }

    private async Task RejectAsync(string id, DocumentSnapshot version, string reason, CancellationToken cancellationToken)
    {
        await documents.UpdateAsync(version.Path, new Dictionary<string, object?>
        {
            [VersionFields.Status] = VersionFields.StatusRejected,
            [VersionFields.Reason] = reason,
        }, cancellationToken: cancellationToken);
        await blobs.DeleteAsync(Bucket, UploadName(id, version.Id), cancellationToken: cancellationToken);
        LogRejected(logger, id, version.Id, reason);
        throw new ProblemException(422, RejectedCode, $"Version {version.Id} was not published: {reason}");
    }

    private async Task StoreVerifiedAsync(string id, string version, string zipPath, string sha256, CancellationToken cancellationToken)
    {
        await using var content = new FileStream(zipPath, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        try
        {
            await blobs.PutAsync(Bucket, AssetFields.BlobName(id, version), content, new BlobWriteOptions
            {
                ContentType = ZipContentType,
                IfGenerationMatch = 0,
                Metadata = new Dictionary<string, string> { ["sha256"] = sha256 },
            }, cancellationToken);
        }
        catch (BlobPreconditionFailedException)
        {
            // An earlier confirm stored it and failed before publishing: fine when it is the same zip.
            var existing = await blobs.GetInfoAsync(Bucket, AssetFields.BlobName(id, version), cancellationToken);
            if (existing?.Metadata.GetValueOrDefault("sha256") != sha256)
            {
                throw ProblemException.Conflict($"Version {version} already has a different stored zip.");
            }
        }
    }

    private async Task PublishAsync(string id, string version, string sha256, CancellationToken cancellationToken)
    {
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = await tx.GetAsync(AssetFields.AssetPath(id), ct) ?? throw AssetService.AssetNotFound(id);
            var versionDoc = await tx.GetAsync(AssetFields.VersionPath(id, version), ct) ?? throw VersionNotFound(version);
            if (versionDoc.GetString(VersionFields.Status) == VersionFields.StatusPublished)
            {
                return false;
            }

            if (versionDoc.GetString(VersionFields.Sha256) != sha256)
            {
                throw ProblemException.Conflict($"Version {version} was declared again while it was being verified; confirm again.");
            }

            var deleted = asset.GetString(AssetFields.Status) == AssetFields.StatusDeleted;
            if (deleted)
            {
                throw AssetService.AssetNotFound(id);
            }

            var latest = asset.GetString(AssetFields.LatestVersion);
            var parsed = SemVersion.Parse(version, SemVersionStyles.Strict);
            var isLatest = latest is null || !AssetRules.TryVersion(latest, out var current) || parsed.ComparePrecedenceTo(current) > 0;
            tx.Update(versionDoc.Path, new Dictionary<string, object?>
            {
                [VersionFields.Status] = VersionFields.StatusPublished,
                [VersionFields.Reason] = null,
                [VersionFields.PublishedAt] = FieldValue.ServerTimestamp,
            });
            var update = new Dictionary<string, object?>
            {
                [AssetFields.Status] = AssetFields.StatusPublished,
                [AssetFields.Listed] = asset.GetBoolean(AssetFields.Hidden) != true,
                [AssetFields.VersionCount] = FieldValue.Increment(1),
                [AssetFields.UpdatedAt] = FieldValue.ServerTimestamp,
            };
            if (isLatest)
            {
                update[AssetFields.LatestVersion] = version;
                update[AssetFields.PublishedAt] = FieldValue.ServerTimestamp;
            }

            tx.Update(asset.Path, update);
            return true;
        }, cancellationToken: cancellationToken);
    }

    private static string UploadName(string id, string version) => $"{id}/{version}/upload.zip";

    private static ProblemException VersionNotFound(string version) => ProblemException.NotFound($"There is no published version '{AssetService.Printable(version)}'.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Version {Version} of asset {AssetId} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string assetId, string version, string reason);
}
