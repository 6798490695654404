using PocketCode.Accounts.Users;
using static PocketCode.Accounts.Users.UserDocuments;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Users;

/// <summary>
/// The BFF's mapping of the profile part of <c>users/{uid}</c> (fields in <see cref="UserDocuments"/>).
/// Settings keep only what the user changed; defaults are applied on read, so changing a default
/// reaches everyone.
/// </summary>
internal static class UserDocumentMapper
{
    /// <summary>The first version of a profile, from the token's name, email and picture claims.</summary>
    public static Dictionary<string, object?> NewProfile(ICurrentUser user)
    {
        var picture = user.FindClaim(FirebaseClaimTypes.Picture);
        return new Dictionary<string, object?>
        {
            [Uid] = user.Uid,
            [DisplayName] = InitialDisplayName(user.Name, user.Email),
            [Email] = user.Email,
            [PhotoUrl] = UserRules.IsHttpsUrl(picture) ? picture : null,
            [CreatedAt] = FieldValue.ServerTimestamp,
            [UpdatedAt] = FieldValue.ServerTimestamp,
        };
    }

    public static MeResponse ToResponse(DocumentSnapshot user) => new(
        user.GetString(Uid) ?? user.Id,
        user.GetString(DisplayName) ?? UserRules.DefaultDisplayName,
        user.GetString(Email),
        user.GetString(PhotoUrl),
        user.GetString(Bio),
        ToSettings(user),
        user.GetTimestamp(CreatedAt) ?? user.CreateTime,
        user.GetTimestamp(UpdatedAt) ?? user.UpdateTime);

    private static UserSettings ToSettings(DocumentSnapshot user)
    {
        var defaults = UserRules.DefaultSettings;
        var theme = user.GetString($"{Settings}.{Theme}");
        var fontSize = user.GetInt64($"{Settings}.{EditorFontSize}");
        return new UserSettings(
            theme is not null && UserRules.Themes.Contains(theme) ? theme : defaults.Theme,
            fontSize is >= UserRules.EditorFontSizeMin and <= UserRules.EditorFontSizeMax ? (int)fontSize : defaults.EditorFontSize,
            new NotificationSettings(
                user.GetBoolean(NotificationSetting(BuildSucceeded)) ?? defaults.Notifications.BuildSucceeded,
                user.GetBoolean(NotificationSetting(BuildFailed)) ?? defaults.Notifications.BuildFailed,
                user.GetBoolean(NotificationSetting(Publish)) ?? defaults.Notifications.Publish));
    }

    private static string InitialDisplayName(string? name, string? email)
    {
        var candidate = name;
        if (string.IsNullOrWhiteSpace(candidate) && email is { } address && address.IndexOf('@', StringComparison.Ordinal) is > 0 and var at)
        {
            candidate = address[..at];
        }

        if (string.IsNullOrWhiteSpace(candidate))
        {
            return UserRules.DefaultDisplayName;
        }

        var clean = new string(candidate.Where(c => !char.IsControl(c)).ToArray()).Trim();
        if (clean.Length > UserRules.DisplayNameMaxLength)
        {
            // Never cut a surrogate pair (an emoji) in half.
            var cut = char.IsHighSurrogate(clean[UserRules.DisplayNameMaxLength - 1]) ? UserRules.DisplayNameMaxLength - 1 : UserRules.DisplayNameMaxLength;
            clean = clean[..cut].TrimEnd();
        }

        return clean.Length == 0 ? UserRules.DefaultDisplayName : clean;
    }
}
