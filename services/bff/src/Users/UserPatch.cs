using System.Text.Json;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Users;

/// <summary>
/// A validated <c>PATCH /v1/me</c>: the document fields to write, keyed by field path, so a
/// settings change touches only the settings named (two devices changing different settings
/// both win). Parsed from the raw JSON because a merge patch must tell an absent member from null.
/// </summary>
public sealed class UserPatch
{
    private UserPatch(Dictionary<string, object?> fields) => Fields = fields;

    public IReadOnlyDictionary<string, object?> Fields { get; }

    public bool IsEmpty => Fields.Count == 0;

    /// <summary>Parses and validates; on failure returns null with per-member errors (JSON paths as sent).</summary>
    public static UserPatch? Parse(JsonElement body, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var fields = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (body.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["The body must be a JSON object."];
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
                    errors[member.Name] = ["Unknown member; the profile has displayName, bio, photoUrl and settings."];
                    break;
            }
        }

        return errors.Count == 0 ? new UserPatch(fields) : null;
    }

    private static void ParseDisplayName(JsonElement value, Dictionary<string, object?> fields, Dictionary<string, string[]> errors)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            errors["displayName"] = ["displayName must be a string (it cannot be cleared)."];
            return;
        }

        var name = value.GetString()!.Trim();
        if (name.Length == 0 || name.Length > UserRules.DisplayNameMaxLength || UserRules.HasControlCharacters(name))
        {
            errors["displayName"] = [$"displayName must be 1-{UserRules.DisplayNameMaxLength} characters without control characters."];
            return;
        }

        fields[UserDocumentMapper.DisplayName] = name;
    }

    private static void ParseBio(JsonElement value, Dictionary<string, object?> fields, Dictionary<string, string[]> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                fields[UserDocumentMapper.Bio] = FieldValue.Delete;
                return;
            case JsonValueKind.String:
                var bio = value.GetString()!.Trim();
                if (bio.Length > UserRules.BioMaxLength || UserRules.HasControlCharacters(bio, multiline: true))
                {
                    errors["bio"] = [$"bio must be at most {UserRules.BioMaxLength} characters without control characters other than line breaks and tabs."];
                    return;
                }

                fields[UserDocumentMapper.Bio] = bio.Length == 0 ? FieldValue.Delete : bio;
                return;
            default:
                errors["bio"] = ["bio must be a string or null."];
                return;
        }
    }

    private static void ParsePhotoUrl(JsonElement value, Dictionary<string, object?> fields, Dictionary<string, string[]> errors)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                fields[UserDocumentMapper.PhotoUrl] = FieldValue.Delete;
                return;
            case JsonValueKind.String when UserRules.IsHttpsUrl(value.GetString()):
                fields[UserDocumentMapper.PhotoUrl] = value.GetString();
                return;
            default:
                errors["photoUrl"] = [$"photoUrl must be null or an absolute https URL (no user info) of at most {UserRules.PhotoUrlMaxLength} characters."];
                return;
        }
    }

    private static void ParseSettings(JsonElement value, Dictionary<string, object?> fields, Dictionary<string, string[]> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["settings"] = ["settings must be an object with theme, editorFontSize and notifications."];
            return;
        }

        const string prefix = UserDocumentMapper.Settings + ".";
        foreach (var setting in value.EnumerateObject())
        {
            var path = "settings." + setting.Name;
            switch (setting.Name)
            {
                case "theme":
                    if (setting.Value.ValueKind == JsonValueKind.Null)
                    {
                        fields[prefix + UserDocumentMapper.Theme] = FieldValue.Delete;
                    }
                    else if (setting.Value.ValueKind == JsonValueKind.String && UserRules.Themes.Contains(setting.Value.GetString()!))
                    {
                        fields[prefix + UserDocumentMapper.Theme] = setting.Value.GetString();
                    }
                    else
                    {
                        errors[path] = [$"theme must be one of {string.Join(", ", UserRules.Themes)} (or null for the default)."];
                    }

                    break;
                case "editorFontSize":
                    if (setting.Value.ValueKind == JsonValueKind.Null)
                    {
                        fields[prefix + UserDocumentMapper.EditorFontSize] = FieldValue.Delete;
                    }
                    else if (setting.Value.ValueKind == JsonValueKind.Number && setting.Value.TryGetInt32(out var size)
                        && size is >= UserRules.EditorFontSizeMin and <= UserRules.EditorFontSizeMax)
                    {
                        fields[prefix + UserDocumentMapper.EditorFontSize] = (long)size;
                    }
                    else
                    {
                        errors[path] = [$"editorFontSize must be a whole number from {UserRules.EditorFontSizeMin} to {UserRules.EditorFontSizeMax} (or null for the default)."];
                    }

                    break;
                case "notifications":
                    ParseNotifications(setting.Value, fields, errors);
                    break;
                default:
                    errors[path] = ["Unknown setting; settings has theme, editorFontSize and notifications."];
                    break;
            }
        }
    }

    private static void ParseNotifications(JsonElement value, Dictionary<string, object?> fields, Dictionary<string, string[]> errors)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            errors["settings.notifications"] = ["notifications must be an object with buildSucceeded, buildFailed and publish."];
            return;
        }

        const string prefix = UserDocumentMapper.Settings + "." + UserDocumentMapper.Notifications + ".";
        foreach (var flag in value.EnumerateObject())
        {
            var path = "settings.notifications." + flag.Name;
            if (flag.Name is not (UserDocumentMapper.BuildSucceeded or UserDocumentMapper.BuildFailed or UserDocumentMapper.Publish))
            {
                errors[path] = ["Unknown notification; notifications has buildSucceeded, buildFailed and publish."];
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
                    errors[path] = [$"{flag.Name} must be true, false or null."];
                    break;
            }
        }
    }
}
