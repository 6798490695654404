using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Assets;

/// <summary>What admins do to assets: hide one from everyone but its author and admins, or restore it.</summary>
internal sealed class AssetModeration(IDocumentStore documents, AssetService assets)
{
    /// <summary>Admin moderation: hidden assets leave search and detail for everyone but the author and admins.</summary>
    public async Task<AssetView> SetHiddenAsync(Caller admin, string id, bool hidden, CancellationToken cancellationToken)
    {
        await documents.RunTransactionAsync(async (tx, ct) =>
        {
            var asset = await tx.GetAsync(AssetFields.AssetPath(id), ct);
            if (asset is null || asset.GetString(AssetFields.Status) == AssetFields.StatusDeleted)
            {
                throw AssetService.AssetNotFound(id);
            }

            tx.Update(asset.Path, new Dictionary<string, object?>
            {
                [AssetFields.Hidden] = hidden,
                [AssetFields.Listed] = !hidden && asset.GetString(AssetFields.Status) == AssetFields.StatusPublished,
                [AssetFields.UpdatedAt] = FieldValue.ServerTimestamp,
            }, Precondition.LastUpdatedAt(asset.UpdateTime));
            return true;
        }, cancellationToken: cancellationToken);
        return await assets.GetAsync(admin, id, cancellationToken);
    }
}
