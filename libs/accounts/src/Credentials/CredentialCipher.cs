using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PocketCode.Accounts.Credentials;

/// <summary>One encrypted credential as stored: the key id, the 96-bit nonce and ciphertext‖tag.</summary>
public sealed record EncryptedCredential(string KeyId, byte[] Nonce, byte[] Ciphertext);

/// <summary>
/// AES-256-GCM encryption of user credentials under the key ring's KEKs (DESIGN.md §4).
/// The associated data binds each ciphertext to its uid, credential kind and key id, so a record
/// copied into another user's document or under another kind fails authentication.
/// </summary>
public sealed class CredentialCipher(CredentialKeyRing keyRing)
{
    public const int NonceSize = 12;
    public const int TagSize = 16;

    // Versioned so the associated-data layout can change without ambiguity.
    private static readonly byte[] AadLabel = "pocketcode.credential.v1"u8.ToArray();
    private static readonly byte[] FingerprintLabel = "pocketcode.credential-fingerprint.v1"u8.ToArray();

    public CredentialKeyRing KeyRing { get; } = keyRing;

    /// <summary>
    /// Encrypts under the current key with a fresh random nonce. Random 96-bit nonces stay far from
    /// collision for the 2^32 encryptions per key NIST allows, which rotation keeps us well under.
    /// </summary>
    public EncryptedCredential Encrypt(string uid, string kind, ReadOnlySpan<byte> plaintext)
    {
        var keyId = KeyRing.CurrentKeyId;
        var nonce = RandomNumberGenerator.GetBytes(NonceSize);
        var output = new byte[plaintext.Length + TagSize];
        using var aes = new AesGcm(KeyRing.CurrentKey, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length), AssociatedData(uid, kind, keyId));
        return new EncryptedCredential(keyId, nonce, output);
    }

    /// <summary>
    /// Decrypts a record for <paramref name="uid"/> and <paramref name="kind"/>. Throws
    /// <see cref="CredentialDecryptionException"/> when the key id is unknown, the record is
    /// malformed, or authentication fails (wrong uid, kind or key id, or altered bytes).
    /// The caller owns the returned buffer and should clear it when done.
    /// </summary>
    public byte[] Decrypt(string uid, string kind, EncryptedCredential encrypted)
    {
        ArgumentNullException.ThrowIfNull(encrypted);
        if (!KeyRing.TryGetKey(encrypted.KeyId ?? string.Empty, out var key))
        {
            throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.UnknownKey);
        }

        if (encrypted.Nonce is not { Length: NonceSize } || encrypted.Ciphertext is not { Length: >= TagSize })
        {
            throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Malformed);
        }

        var length = encrypted.Ciphertext.Length - TagSize;
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(
                encrypted.Nonce,
                encrypted.Ciphertext.AsSpan(0, length),
                encrypted.Ciphertext.AsSpan(length),
                plaintext,
                AssociatedData(uid, kind, encrypted.KeyId!));
            return plaintext;
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new CredentialDecryptionException(kind, CredentialDecryptionFailure.Tampered, ex);
        }
    }

    /// <summary>
    /// A short fingerprint (8 hex digits) letting a user tell stored secrets apart without seeing
    /// them. It is an HMAC-SHA-256 under a key derived per user from the current KEK, so equal
    /// secrets of two users do not correlate and the stored value cannot be brute-forced without
    /// the KEK. Computed when a credential is written and stored with it (a rotated KEK changes the
    /// fingerprint of later writes only).
    /// </summary>
    public string Fingerprint(string uid, ReadOnlySpan<byte> secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(uid);
        Span<byte> userKey = stackalloc byte[32];
        HKDF.DeriveKey(HashAlgorithmName.SHA256, KeyRing.CurrentKey, userKey, salt: FingerprintLabel, info: Encoding.UTF8.GetBytes(uid));
        Span<byte> mac = stackalloc byte[32];
        HMACSHA256.HashData(userKey, secret, mac);
        CryptographicOperations.ZeroMemory(userKey);
        return Convert.ToHexStringLower(mac[..4]);
    }

    /// <summary>label ‖ len(uid) ‖ uid ‖ len(kind) ‖ kind ‖ len(keyId) ‖ keyId, lengths as 32-bit big-endian, so no two inputs share an encoding.</summary>
    internal static byte[] AssociatedData(string uid, string kind, string keyId)
    {
        ArgumentException.ThrowIfNullOrEmpty(uid);
        ArgumentException.ThrowIfNullOrEmpty(kind);
        // Encoded straight into one buffer (this runs on every decryption, i.e. every proxied call
        // with a user's own key): no per-part arrays (docs/benchmarks.md, "Hot paths").
        var buffer = new byte[AadLabel.Length + 12 + Encoding.UTF8.GetByteCount(uid) + Encoding.UTF8.GetByteCount(kind) + Encoding.UTF8.GetByteCount(keyId)];
        AadLabel.CopyTo(buffer, 0);
        var offset = AadLabel.Length;
        foreach (var part in (ReadOnlySpan<string>)[uid, kind, keyId])
        {
            var written = Encoding.UTF8.GetBytes(part, buffer.AsSpan(offset + 4));
            BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), written);
            offset += 4 + written;
        }

        return buffer;
    }
}
