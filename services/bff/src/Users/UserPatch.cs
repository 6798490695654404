using PocketCode.Platform;
using PocketCode.Accounts.Users;
using System.Text.Json;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Users;

/// <summary>
/// A validated <c>PATCH /v1/me</c>: the document fields to write, keyed by field path, so a
/// settings change touches only the settings named (two devices changing different settings
/// both win). Parsed from the raw JSON because a merge patch must tell an absent member from null.
/// </summary>
internal sealed class UserPatch
{
    private UserPatch(Dictionary<string, object?> fields) => Fields = fields;

    public IReadOnlyDictionary<string, object?> Fields { get; }

    public bool IsEmpty => Fields.Count == 0;

    /// <summary>Parses and validates; on failure returns null with per-member errors (JSON paths as sent).</summary>
    public static UserPatch? Parse(JsonElement body, out FieldErrors errors)
    {
        errors = new FieldErrors();
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors.Add("$", "The body must be a JSON object.");
            return null;
        }

        foreach (var member in body.EnumerateObject())
        {
            switch (member.Name)
            {
                case "displayName":
                    ParseDisplayName(member.Value, fields, errors);
                    break;
                case "bio":
                    ParseBio(member.Value, fields, errors);
                    break;
                case "photoUrl":
                    ParsePhotoUrl(member.Value, fields, errors);
                    break;
                case "settings":
                    ParseSettings(member.Value, fields, errors);
                    break;
                default:
                    errors.Add(member.Name, "Unknown member; the profile has displayName, bio, photoUrl and settings.");
                    break;
            }
        }

        return errors.IsEmpty ? new UserPatch(fields) : null;
    }

    private static void ParseDisplayName(JsonElement value, Dictionary<string, object?> fields, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors.Add("displayName", "displayName must be a string (it cannot be cleared).");
            return;
        }

        var name = value.GetString()!.Trim();
        if (name.Length == 0 || name.Length > UserRules.DisplayNameMaxLength || UserRules.HasControlCharacters(name))
        {
            errors.Add("displayName", $"displayName must be 1-{UserRules.DisplayNameMaxLength} characters without control characters.");
            return;
        }

        fields[UserDocuments.DisplayName] = name;
    }

    private static void ParseBio(JsonElement value, Dictionary<string, object?> fields, FieldErrors errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                fields[UserDocuments.Bio] = FieldValue.Delete;
                return;
            case JsonValueKind.String:
                var bio = value.GetString()!.Trim();
                if (bio.Length > UserRules.BioMaxLength || UserRules.HasControlCharacters(bio, multiline: true))
                {
                    errors.Add("bio", $"bio must be at most {UserRules.BioMaxLength} characters without control characters other than line breaks and tabs.");
                    return;
                }

                fields[UserDocuments.Bio] = bio.Length == 0 ? FieldValue.Delete : bio;
                return;
            default:
                errors.Add("bio", "bio must be a string or null.");
                return;
        }
    }

    private static void ParsePhotoUrl(JsonElement value, Dictionary<string, object?> fields, FieldErrors errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                fields[UserDocuments.PhotoUrl] = FieldValue.Delete;
                return;
            case JsonValueKind.String when UserRules.IsHttpsUrl(value.GetString()):
                fields[UserDocuments.PhotoUrl] = value.GetString();
                return;
            default:
                errors.Add("photoUrl", $"photoUrl must be null or an absolute https URL (no user info) of at most {UserRules.PhotoUrlMaxLength} characters.");
                return;
        }
    }

    private static void ParseSettings(JsonElement value, Dictionary<string, object?> fields, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("settings", "settings must be an object with theme, editorFontSize and notifications.");
            return;
        }

        const string prefix = UserDocuments.Settings + ".";
        foreach (var setting in value.EnumerateObject())
        {
            var path = "settings." + setting.Name;
            switch (setting.Name)
            {
                case "theme":
                    if (setting.Value.ValueKind == JsonValueKind.Null)
                    {
                        fields[prefix + UserDocuments.Theme] = FieldValue.Delete;
                    }
                    else if (setting.Value.ValueKind == JsonValueKind.String && UserRules.Themes.Contains(setting.Value.GetString()!))
                    {
                        fields[prefix + UserDocuments.Theme] = setting.Value.GetString();
                    }
                    else
                    {
                        errors.Add(path, $"theme must be one of {string.Join(", ", UserRules.Themes)} (or null for the default).");
                    }

                    break;
                case "editorFontSize":
                    if (setting.Value.ValueKind == JsonValueKind.Null)
                    {
                        fields[prefix + UserDocuments.EditorFontSize] = FieldValue.Delete;
                    }
                    else if (setting.Value.ValueKind == JsonValueKind.Number && setting.Value.TryGetInt32(out var size)
                        && size is >= UserRules.EditorFontSizeMin and <= UserRules.EditorFontSizeMax)
                    {
                        fields[prefix + UserDocuments.EditorFontSize] = (long)size;
                    }
                    else
                    {
                        errors.Add(path, $"editorFontSize must be a whole number from {UserRules.EditorFontSizeMin} to {UserRules.EditorFontSizeMax} (or null for the default).");
                    }

                    break;
                case "notifications":
                    ParseNotifications(setting.Value, fields, errors);
                    break;
                default:
                    errors.Add(path, "Unknown setting; settings has theme, editorFontSize and notifications.");
                    break;
            }
        }
    }

    private static void ParseNotifications(JsonElement value, Dictionary<string, object?> fields, FieldErrors errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors.Add("settings.notifications", "notifications must be an object with buildSucceeded, buildFailed and publish.");
            return;
        }

        const string prefix = UserDocuments.Settings + "." + UserDocuments.Notifications + ".";
        foreach (var flag in value.EnumerateObject())
        {
            var path = "settings.notifications." + flag.Name;
            if (flag.Name is not (UserDocuments.BuildSucceeded or UserDocuments.BuildFailed or UserDocuments.Publish))
            {
                errors.Add(path, "Unknown notification; notifications has buildSucceeded, buildFailed and publish.");
                continue;
            }

            switch (flag.Value.ValueKind)
            {
                case JsonValueKind.True or JsonValueKind.False:
                    fields[prefix + flag.Name] = flag.Value.GetBoolean();
                    break;
                case JsonValueKind.Null:
                    fields[prefix + flag.Name] = FieldValue.Delete;
                    break;
                default:
                    errors.Add(path, $"{flag.Name} must be true, false or null.");
                    break;
            }
        }
    }
}
