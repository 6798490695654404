using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace PocketCode.Accounts.Credentials;

/// <summary>
/// The key-encryption keys (KEKs) for user credentials, parsed from <c>CREDENTIALS_KEYS</c>:
/// comma-separated <c>keyId:base64(32 bytes)</c>. The first key encrypts new writes; the others
/// still decrypt what they encrypted, so a key is rotated by putting a new one first, re-writing
/// records at leisure, and only then removing the old one.
/// </summary>
/// <remarks>Error messages name entries by position and key id, never by key material.</remarks>
public sealed partial class CredentialKeyRing
{
    public const int KeySizeBytes = 32;

    private readonly Dictionary<string, byte[]> _keys;

    private CredentialKeyRing(string currentKeyId, Dictionary<string, byte[]> keys)
    {
        CurrentKeyId = currentKeyId;
        _keys = keys;
    }

    /// <summary>The id written with every new encryption.</summary>
    public string CurrentKeyId { get; }

    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    internal ReadOnlySpan<byte> CurrentKey => _keys[CurrentKeyId];

    internal bool TryGetKey(string keyId, out byte[] key) => _keys.TryGetValue(keyId, out key!);

    /// <summary>Parses the configuration value; throws <see cref="FormatException"/> saying what is wrong.</summary>
    public static CredentialKeyRing Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new FormatException("it is empty; expected comma-separated keyId:base64 entries, each key 32 random bytes.");
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        string? current = null;
        var entries = value.Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i < entries.Length; i++)
        {
            var position = i + 1;
            var entry = entries[i];
            var colon = entry.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                throw new FormatException($"entry {position} is not keyId:base64.");
            }

            var keyId = entry[..colon].Trim();
            if (!KeyIdPattern().IsMatch(keyId))
            {
                throw new FormatException($"entry {position} has an invalid key id: use 1-32 letters, digits, '.', '_' or '-'.");
            }

            if (keys.ContainsKey(keyId))
            {
                throw new FormatException($"key id '{keyId}' appears more than once.");
            }

            var key = new byte[KeySizeBytes];
            if (!Convert.TryFromBase64String(entry[(colon + 1)..].Trim(), key, out var written) || written != KeySizeBytes)
            {
                throw new FormatException($"the key of '{keyId}' (entry {position}) is not standard base64 of exactly {KeySizeBytes} bytes.");
            }

            keys[keyId] = key;
            current ??= keyId;
        }

        return new CredentialKeyRing(current!, keys);
    }

    /// <summary>A fresh <c>keyId:base64</c> entry (the key from the OS CSPRNG).</summary>
    public static string NewEntry(string keyId)
    {
        if (!KeyIdPattern().IsMatch(keyId))
        {
            throw new ArgumentException("Invalid key id.", nameof(keyId));
        }

        return keyId + ":" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(KeySizeBytes));
    }

    public override string ToString() => $"CredentialKeyRing(current: {CurrentKeyId}, keys: {string.Join(", ", _keys.Keys)})";

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
    private static partial Regex KeyIdPattern();
}
