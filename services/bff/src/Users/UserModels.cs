namespace PocketCode.Bff.Users;

/// <summary>The caller's profile and settings (<c>GET /v1/me</c>); also the marketplace creator profile's source.</summary>
internal sealed record MeResponse(
    string Uid,
    string DisplayName,
    string? Email,
    string? PhotoUrl,
    string? Bio,
    UserSettings Settings,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>App settings; a missing value reads as its default.</summary>
internal sealed record UserSettings(string Theme, int EditorFontSize, NotificationSettings Notifications);

/// <summary>Which push notifications the user wants.</summary>
internal sealed record NotificationSettings(bool BuildSucceeded, bool BuildFailed, bool Publish);

/// <summary>
/// Body of <c>PATCH /v1/me</c> (JSON merge patch): only the members present change; <c>null</c>
/// clears <c>bio</c> and <c>photoUrl</c> and resets a setting to its default. Unknown members are
/// rejected. Used for the OpenAPI document; the handler parses the JSON itself to tell absent from null.
/// </summary>
internal sealed record UpdateMeRequest(string? DisplayName, string? Bio, string? PhotoUrl, UpdateSettingsRequest? Settings);

internal sealed record UpdateSettingsRequest(string? Theme, int? EditorFontSize, UpdateNotificationsRequest? Notifications);

internal sealed record UpdateNotificationsRequest(bool? BuildSucceeded, bool? BuildFailed, bool? Publish);

/// <summary>Limits and the settings schema, shared by validation and mapping.</summary>
internal static class UserRules
{
    public const int DisplayNameMaxLength = 80;
    public const int BioMaxLength = 500;
    public const int PhotoUrlMaxLength = 2048;
    public const int EditorFontSizeMin = 8;
    public const int EditorFontSizeMax = 32;
    public const string DefaultDisplayName = "PocketCode user";

    public static IReadOnlyList<string> Themes { get; } = ["system", "light", "dark"];

    public static UserSettings DefaultSettings { get; } = new("system", 14, new NotificationSettings(true, true, true));

    /// <summary>An absolute https URL without user info, at most <see cref="PhotoUrlMaxLength"/> characters.</summary>
    public static bool IsHttpsUrl(string? value, int maxLength = PhotoUrlMaxLength) =>
        value is { Length: > 0 } && value.Length <= maxLength
        && Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && uri.Scheme == Uri.UriSchemeHttps
        && string.IsNullOrEmpty(uri.UserInfo)
        && !string.IsNullOrEmpty(uri.Host);

    /// <summary>True when the text has control characters (other than newline and tab where <paramref name="multiline"/>).</summary>
    public static bool HasControlCharacters(string value, bool multiline = false) =>
        value.Any(c => char.IsControl(c) && !(multiline && c is '\n' or '\r' or '\t'));
}
