namespace PocketCode.Accounts.Users;

/// <summary>
/// The one description of the <c>users/{uid}</c> document and what lives under it, for every
/// service: <c>uid, displayName, email, photoUrl, bio, settings{theme, editorFontSize,
/// notifications{buildSucceeded, buildFailed, publish}}, createdAt, updatedAt</c> (the profile,
/// written by the BFF), <c>credentials.{kind}</c> (the <see cref="Credentials.CredentialVault"/>),
/// and the sub-collection <c>devices/{installationId}</c>.
/// </summary>
public static class UserDocuments
{
    public const string Collection = "users";
    public const string DevicesCollection = "devices";

    /// <summary>Firebase Auth uids are at most 128 characters.</summary>
    public const int MaxUidLength = 128;

    public const string Uid = "uid";
    public const string DisplayName = "displayName";
    public const string Email = "email";
    public const string PhotoUrl = "photoUrl";
    public const string Bio = "bio";
    public const string Settings = "settings";
    public const string Theme = "theme";
    public const string EditorFontSize = "editorFontSize";
    public const string Notifications = "notifications";

    /// <summary>The notification kinds of <c>settings.notifications</c>.</summary>
    public const string BuildSucceeded = "buildSucceeded";
    public const string BuildFailed = "buildFailed";
    public const string Publish = "publish";
    public const string CreatedAt = "createdAt";
    public const string UpdatedAt = "updatedAt";
    public const string Credentials = "credentials";

    /// <summary>
    /// Whether <paramref name="uid"/> can name a user document and be part of blob names and
    /// document ids (<c>{uid}/{projectId}/</c>): 1 to 128 characters, no slash or control
    /// character, not <c>.</c> or <c>..</c>, not Firestore's reserved <c>__x__</c>. Firebase uids from
    /// custom tokens can hold any of these, and such a uid would change the meaning of a path.
    /// </summary>
    public static bool IsUsableUid(string? uid) =>
        uid is { Length: > 0 and <= MaxUidLength }
        && !uid.Contains('/', StringComparison.Ordinal)
        && uid is not "." and not ".."
        && !uid.Any(char.IsControl)
        && !(uid.StartsWith("__", StringComparison.Ordinal) && uid.EndsWith("__", StringComparison.Ordinal));

    /// <summary>The document path of a user; throws <see cref="ArgumentException"/> for an unusable uid.</summary>
    public static string PathOf(string uid)
    {
        if (!IsUsableUid(uid))
        {
            throw new ArgumentException("The uid cannot name a user document.", nameof(uid));
        }

        // IsUsableUid is stricter than Firestore's segment rules, so the path needs no second check.
        return Collection + "/" + uid;
    }

    public static string DevicesPath(string uid) => PathOf(uid) + "/" + DevicesCollection;

    public static string DevicePath(string uid, string installationId) => DevicesPath(uid) + "/" + installationId;

    /// <summary>The field path of one notification setting (<c>settings.notifications.{kind}</c>).</summary>
    public static string NotificationSetting(string kind) => $"{Settings}.{Notifications}.{kind}";
}
