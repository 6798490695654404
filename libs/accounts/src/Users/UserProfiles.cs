using PocketCode.Storage.Documents;

namespace PocketCode.Accounts.Users;

/// <summary>What anyone may see of a user (a creator's page in the marketplace).</summary>
public sealed record PublicProfile(string Uid, string DisplayName, string Bio, string? PhotoUrl);

/// <summary>
/// Reads of <c>users/{uid}</c> for services other than its writer (the BFF's Users feature):
/// the public profile and the notification settings, each with the default the owner gets when
/// the field was never set.
/// </summary>
public sealed class UserProfiles(IDocumentStore documents)
{
    /// <summary>The public profile, or null when the uid is unusable or has no user document.</summary>
    public async Task<PublicProfile?> FindPublicAsync(string uid, CancellationToken cancellationToken)
    {
        if (!UserDocuments.IsUsableUid(uid))
        {
            return null;
        }

        var user = await documents.GetAsync(UserDocuments.PathOf(uid), cancellationToken);
        return user is null
            ? null
            : new PublicProfile(
                uid,
                user.GetString(UserDocuments.DisplayName) ?? string.Empty,
                user.GetString(UserDocuments.Bio) ?? string.Empty,
                user.GetString(UserDocuments.PhotoUrl));
    }

    /// <summary>Whether the user wants notifications of <paramref name="kind"/>; true unless turned off.</summary>
    public async Task<bool> WantsNotificationAsync(string uid, string kind, CancellationToken cancellationToken)
    {
        var user = await documents.GetAsync(UserDocuments.PathOf(uid), cancellationToken);
        return user?.GetBoolean(UserDocuments.NotificationSetting(kind)) ?? true;
    }
}
