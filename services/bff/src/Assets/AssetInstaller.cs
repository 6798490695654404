using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using PocketCode.Archives;
using PocketCode.Bff.Projects.Files;
using PocketCode.Bff.Projects;
using PocketCode.Platform;

namespace PocketCode.Bff.Assets;

/// <summary>
/// Installs a marketplace version into a project: asks the marketplace for the version's signed
/// URL, SHA-256 and size, downloads the zip to a temporary file while hashing it, checks it with
/// the same rules as an archive import (<see cref="SafeZipStager"/>), and only then writes the
/// files: a template into the root of an empty project, a component under the folder the user
/// chose. Existing files are never replaced unless <c>overwrite</c> is true, and a file standing
/// where a folder must go (or the reverse) always refuses.
/// </summary>
internal sealed class AssetInstaller(
    MarketplaceAssetsClient marketplace,
    IHttpClientFactory httpClients,
    ProjectFileService files,
    ProjectService projects,
    IOptions<ProjectsOptions> options)
{
    public const string DownloadClient = "marketplace-downloads";
    public const string VerificationFailedCode = "asset_verification_failed";

    public async Task<InstallAssetResponse> InstallAsync(Project project, string? authorization, InstallAssetRequest request, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(request.AssetId) || request.AssetId.Length > 64)
        {
            throw FieldErrors.Invalid("assetId", "assetId names the marketplace asset.");
        }

        if (string.IsNullOrWhiteSpace(request.Version) || request.Version.Length > 64)
        {
            throw FieldErrors.Invalid("version", "version is the published version to install, such as 1.0.0.");
        }

        var asset = await marketplace.GetAssetAsync(authorization, request.AssetId, cancellationToken);
        ProjectPath? folder = null;
        if (asset.Kind == "component")
        {
            folder = string.IsNullOrEmpty(request.Path)
                ? throw FieldErrors.Invalid("path", "path is the folder of the project the component goes into.")
                : ProjectPath.Parse(request.Path, "path");
        }
        else if (!string.IsNullOrEmpty(request.Path))
        {
            throw FieldErrors.Invalid("path", "a template installs into the project's root; leave path out.");
        }

        var download = await marketplace.GetDownloadAsync(authorization, request.AssetId, request.Version, cancellationToken);
        var settings = options.Value;
        if (download.Size > settings.MaxArchiveBytes)
        {
            throw Failed(string.Create(CultureInfo.InvariantCulture, $"the zip is larger than the archive limit of {settings.MaxArchiveBytes} bytes."));
        }

        var work = Directory.CreateTempSubdirectory("pocketcode-install-");
        try
        {
            var zipPath = Path.Combine(work.FullName, "asset.zip");
            await DownloadAsync(download, zipPath, settings.MaxArchiveBytes, cancellationToken);
            IReadOnlyList<StagedZipFile> staged;
            try
            {
                staged = await SafeZipStager.StageAsync(zipPath, work.FullName, settings.ArchiveLimits(), cancellationToken);
            }
            catch (NotAZipException)
            {
                throw Failed("the download is not a zip archive.");
            }
            catch (ZipRejectedException ex)
            {
                throw Failed(ex.Message);
            }

            var targets = staged.Select(f => (Path: ProjectPath.Parse(folder is null ? f.Path : folder.Value + "/" + f.Path, "file path"), f.TempFile)).ToList();
            var existing = (await files.ListAllAsync(project, cancellationToken)).Select(b => b.Name[project.BlobPrefix.Length..]).ToHashSet(StringComparer.Ordinal);
            var incoming = targets.Select(t => t.Path.Value).ToHashSet(StringComparer.Ordinal);
            var incomingFolders = targets.SelectMany(t => t.Path.Ancestors()).Select(a => a.Value).ToHashSet(StringComparer.Ordinal);
            var clash = existing.FirstOrDefault(p => incomingFolders.Contains(p) || RelativePathRules.AncestorsOf(p).Any(incoming.Contains));
            if (clash is not null)
            {
                throw ProblemException.Conflict($"'{clash}' in the project stands where the asset needs a folder or a file; move it first.");
            }

            if (!request.Overwrite)
            {
                if (folder is null && existing.Count > 0)
                {
                    throw ProblemException.Conflict("A template installs into an empty project, and this one has files; send overwrite: true to write over them.");
                }

                var taken = incoming.Where(existing.Contains).Order(StringComparer.Ordinal).FirstOrDefault();
                if (taken is not null)
                {
                    throw ProblemException.Conflict($"'{taken}' already exists; send overwrite: true to replace existing files.");
                }
            }

            foreach (var (path, tempFile) in targets)
            {
                await using var content = new FileStream(tempFile, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
                await files.PutTrustedAsync(project, path, content, cancellationToken);
            }

            if (!await projects.TryTouchAsync(project, cancellationToken))
            {
                throw ProjectService.NotFound();
            }

            var tree = await files.GetTreeAsync(project, cancellationToken);
            return new InstallAssetResponse(
                asset.Id,
                download.Version,
                asset.Kind,
                folder?.Value,
                targets.Count,
                incoming.Count(existing.Contains),
                targets.Select(t => t.Path.Value).Order(StringComparer.Ordinal).ToList(),
                tree.ETag);
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

    private async Task DownloadAsync(MarketplaceDownload download, string zipPath, long maxBytes, CancellationToken cancellationToken)
    {
        if (download.Url.Scheme is not ("https" or "http"))
        {
            throw Failed("the marketplace gave a download URL that is not HTTP(S).");
        }

        using var http = httpClients.CreateClient(DownloadClient);
        using var response = await http.GetAsync(download.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new ProblemException(StatusCodes.Status502BadGateway, ProblemCodes.BadGateway, "The asset's file could not be downloaded; try again.");
        }

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var file = new FileStream(zipPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
        var buffer = new byte[81920];
        long size = 0;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            size += read;
            if (size > Math.Min(maxBytes, download.Size))
            {
                throw Failed("the download is larger than the marketplace declared.");
            }

            hash.AppendData(buffer, 0, read);
            await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }

        if (size != download.Size || !string.Equals(Convert.ToHexStringLower(hash.GetHashAndReset()), download.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw Failed("the download's size or SHA-256 does not match what the marketplace published.");
        }
    }

    private static ProblemException Failed(string reason) =>
        new(StatusCodes.Status422UnprocessableEntity, VerificationFailedCode, "The asset was not installed and the project is unchanged: " + reason);
}
