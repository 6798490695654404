using System.Security.Cryptography;
using PocketCode.Archives;
using PocketCode.Marketplace.Search;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using Semver;

namespace PocketCode.Marketplace.Assets;

/// <summary>
/// The catalogue of assets: create, read, change and delete an asset's metadata (author only),
/// the visibility rule every other feature applies (<see cref="LoadVisibleAsync"/>), and the id and
/// ownership checks. Versions, search and moderation build on it in their own classes.
/// </summary>
internal sealed class AssetService(IDocumentStore documents, IBlobStore blobs)
{
    private const string Bucket = BucketNames.MarketplaceAssets;

    public async Task<AssetView> CreateAsync(string uid, CreateAssetRequest request, CancellationToken cancellationToken)
    {
        var kind = AssetRules.Kind(request.Kind);
        var title = AssetRules.Title(request.Title);
        var description = AssetRules.Text(request.Description, "description", AssetRules.MaxDescription);
        var readme = AssetRules.Text(request.Readme, "readme", AssetRules.MaxReadme);
        var tags = AssetRules.Tags(request.Tags);
        var license = AssetRules.License(request.License);
        var settings = AssetRules.MinSettings(request.MinSettings);
        var id = NewId();
        var data = new Dictionary<string, object?>
        {
            [AssetFields.AuthorUid] = uid,
            [AssetFields.Kind] = kind,
            [AssetFields.Title] = title,
            [AssetFields.Description] = description,
            [AssetFields.Readme] = readme,
            [AssetFields.Tags] = tags,
            [AssetFields.License] = license,
            [AssetFields.MinSettings] = settings,
            [AssetFields.Status] = AssetFields.StatusDraft,
            [AssetFields.Hidden] = false,
            [AssetFields.Listed] = false,
            [AssetFields.LatestVersion] = null,
            [AssetFields.VersionCount] = 0L,
            [AssetFields.Downloads] = 0L,
            [AssetFields.ReviewCount] = 0L,
            [AssetFields.RatingSum] = 0L,
            [AssetFields.AverageRating] = 0.0,
            [AssetFields.Score] = AssetFields.ScoreOf(0, 0),
            [AssetFields.SearchTokens] = SearchTokens.For(title, description, tags),
            [AssetFields.CreatedAt] = FieldValue.ServerTimestamp,
            [AssetFields.UpdatedAt] = FieldValue.ServerTimestamp,
        };
        await documents.CreateAsync(AssetFields.AssetPath(id), data, cancellationToken);
        return await GetAsync(new Caller(uid, false), id, cancellationToken);
    }

    public async Task<AssetView> GetAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var asset = await LoadVisibleAsync(caller, id, cancellationToken);
        var mayDraft = IsAuthor(asset, caller.Uid) || caller.IsAdmin;
        var versions = await ListVersionsAsync(id, mayDraft, cancellationToken);
        var latestName = asset.GetString(AssetFields.LatestVersion);
        return AssetMapping.View(asset, versions.FirstOrDefault(v => v.Version == latestName), versions);
    }

    public async Task<AssetView> UpdateAsync(string uid, string id, UpdateAssetRequest request, CancellationToken cancellationToken)
    {
        var fields = new Dictionary<string, object?>();
        if (request.Title is not null)
        {
            fields[AssetFields.Title] = AssetRules.Title(request.Title);
        }

        if (request.Description is not null)
        {
            fields[AssetFields.Description] = AssetRules.Text(request.Description, "description", AssetRules.MaxDescription);
        }

        if (request.Readme is not null)
        {
            fields[AssetFields.Readme] = AssetRules.Text(request.Readme, "readme", AssetRules.MaxReadme);
        }

        if (request.Tags is not null)
        {
            fields[AssetFields.Tags] = AssetRules.Tags(request.Tags);
        }

        if (request.License is not null)
        {
            fields[AssetFields.License] = AssetRules.License(request.License);
        }

        if (request.MinSettings is not null)
        {
            fields[AssetFields.MinSettings] = AssetRules.MinSettings(request.MinSettings);
        }

        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = EnsureOwned(await tx.GetAsync(AssetFields.AssetPath(id), ct), id, uid);
            var title = fields.TryGetValue(AssetFields.Title, out var t) ? (string)t! : asset.GetString(AssetFields.Title) ?? string.Empty;
            var description = fields.TryGetValue(AssetFields.Description, out var d) ? (string)d! : asset.GetString(AssetFields.Description);
            var tags = fields.TryGetValue(AssetFields.Tags, out var g) ? (List<string>)g! : AssetMapping.Strings(asset.GetArray(AssetFields.Tags));
            var update = new Dictionary<string, object?>(fields)
            {
                [AssetFields.SearchTokens] = SearchTokens.For(title, description, tags),
                [AssetFields.UpdatedAt] = FieldValue.ServerTimestamp,
            };
            tx.Update(asset.Path, update, Precondition.LastUpdatedAt(asset.UpdateTime));
            return true;
        }, cancellationToken: cancellationToken);
        return await GetAsync(new Caller(uid, false), id, cancellationToken);
    }

    /// <summary>Hides the asset at once (search, detail, downloads), then purges its files.</summary>
    public async Task DeleteAsync(string uid, string id, CancellationToken cancellationToken)
    {
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = EnsureOwned(await tx.GetAsync(AssetFields.AssetPath(id), ct), id, uid);
            tx.Update(asset.Path, new Dictionary<string, object?>
            {
                [AssetFields.Status] = AssetFields.StatusDeleted,
                [AssetFields.Listed] = false,
                [AssetFields.DeletedAt] = FieldValue.ServerTimestamp,
                [AssetFields.UpdatedAt] = FieldValue.ServerTimestamp,
            }, Precondition.LastUpdatedAt(asset.UpdateTime));
            return true;
        }, cancellationToken: cancellationToken);
        await PurgeFilesAsync(id, cancellationToken);
    }

    public async Task<DocumentSnapshot> LoadVisibleAsync(Caller caller, string id, CancellationToken cancellationToken)
    {
        var asset = await documents.GetAsync(AssetFields.AssetPath(CheckId(id)), cancellationToken);
        if (asset is null || asset.GetString(AssetFields.Status) == AssetFields.StatusDeleted)
        {
            throw AssetNotFound(id);
        }

        var privileged = IsAuthor(asset, caller.Uid) || caller.IsAdmin;
        if (!privileged && (asset.GetBoolean(AssetFields.Hidden) == true || asset.GetString(AssetFields.Status) != AssetFields.StatusPublished))
        {
            throw AssetNotFound(id);
        }

        return asset;
    }

    private async Task<List<VersionView>> ListVersionsAsync(string id, bool includeUnpublished, CancellationToken cancellationToken)
    {
        var result = await documents.QueryAsync(new DocumentQuery(AssetFields.VersionsPath(id)).Take(500), cancellationToken);
        return result.Documents
            .Where(d => includeUnpublished || d.GetString(VersionFields.Status) == VersionFields.StatusPublished)
            .Select(AssetMapping.Version)
            .OrderByDescending(v => AssetRules.TryVersion(v.Version, out var parsed) ? parsed : new SemVersion(0), SemVersion.PrecedenceComparer)
            .ToList();
    }

    private async Task PurgeFilesAsync(string id, CancellationToken cancellationToken)
    {
        string? token = null;
        do
        {
            var page = await blobs.ListAsync(Bucket, id + "/", 1000, token, cancellationToken);
            foreach (var item in page.Items)
            {
                await blobs.DeleteAsync(Bucket, item.Name, cancellationToken: cancellationToken);
            }

            token = page.NextPageToken;
        }
        while (token is not null);
    }

    public static DocumentSnapshot EnsureOwned(DocumentSnapshot? asset, string id, string uid)
    {
        if (asset is null || asset.GetString(AssetFields.Status) == AssetFields.StatusDeleted)
        {
            throw AssetNotFound(id);
        }

        if (!IsAuthor(asset, uid))
        {
            throw ProblemException.Forbidden("Only the asset's author can change it.");
        }

        return asset;
    }

    public static bool IsAuthor(DocumentSnapshot asset, string uid) => asset.GetString(AssetFields.AuthorUid) == uid;

    /// <summary>Asset ids are 20 lower-case letters and digits; anything else cannot exist.</summary>
    public static string CheckId(string id) =>
        id.Length == 20 && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c)) ? id : throw AssetNotFound(id);

    private static string NewId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(20, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }

    public static ProblemException AssetNotFound(string id) => ProblemException.NotFound($"There is no asset '{Printable(id)}'.");

    public static string Printable(string text) => RelativePathRules.Printable(text.Length > 64 ? text[..64] : text);
}
