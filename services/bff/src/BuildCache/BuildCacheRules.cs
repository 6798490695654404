using System.Text.RegularExpressions;
using PocketCode.Platform;

namespace PocketCode.Bff.BuildCache;

internal static partial class BuildCacheRules
{
    /// <summary>The content type Gradle's HttpBuildCacheService sends and accepts (gradle/gradle, HttpBuildCacheService.java, read 2026-12-08).</summary>
    public const string EntryContentType = "application/vnd.gradle.build-cache-artifact.v1";

    public const int MaxKeyLength = 128;

    /// <summary>
    /// A Gradle cache key is its hash in lower-case hex (32 characters for MD5); anything else,
    /// a path above all, never reaches the blob store.
    /// </summary>
    public static void EnsureValidKey(string key)
    {
        if (!KeyPattern().IsMatch(key))
        {
            throw FieldErrors.Invalid("key", $"A cache key is 8 to {MaxKeyLength} lower-case hex digits.");
        }
    }

    /// <summary>Entries live under their owner's prefix, so the same key of two users names two objects.</summary>
    public static string EntryName(string ownerUid, string key) => ownerUid + "/" + key;

    /// <summary>Standard base64 (the signing key, a Basic credential) decoded, or null when it is not base64.</summary>
    public static byte[]? FromBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var written) ? buffer[..written] : null;
    }

    [GeneratedRegex("^[0-9a-f]{8,128}$")]
    private static partial Regex KeyPattern();
}
