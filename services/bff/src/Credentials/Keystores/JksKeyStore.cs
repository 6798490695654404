using System.Buffers.Binary;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Text;

namespace PocketCode.Bff.Credentials.Keystores;

/// <summary>One entry of a JKS keystore.</summary>
/// <param name="ProtectedKey">For private-key entries, the DER <c>EncryptedPrivateKeyInfo</c> (Sun's key protector); otherwise null.</param>
/// <param name="Certificates">DER X.509 certificates: the chain (leaf first) of a key entry, or the one trusted certificate.</param>
internal sealed record JksEntry(string Alias, DateTimeOffset CreatedAt, byte[]? ProtectedKey, IReadOnlyList<byte[]> Certificates)
{
    public bool IsPrivateKey => ProtectedKey is not null;

    public override string ToString() => $"JksEntry({Alias}, {(IsPrivateKey ? "private key" : "trusted certificate")}, {Certificates.Count} certificate(s))";
}

/// <summary>The file does not open: wrong store password or not an intact keystore.</summary>
internal sealed class JksException : Exception
{
    public JksException(string message)
        : base(message)
    {
    }

    public JksException()
    {
    }

    public JksException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// A reader for Java's legacy JKS keystore format, as Android upload keystores made before Java 9
/// (and Android Studio's older wizards) still are.
/// </summary>
/// <remarks>
/// Hand-written because no .NET library reads JKS (it is a Sun-proprietary format; .NET reads only
/// PKCS12). It follows <c>sun.security.provider.JavaKeyStore</c> and <c>KeyProtector</c> of the JDK,
/// and the tests check it against keystores made by the JDK's <c>keytool</c>. Layout, all integers
/// big-endian:
/// <code>
/// u4 magic 0xFEEDFEED | u4 version (1 or 2) | u4 entry count
/// entry: u4 tag (1 = private key, 2 = trusted certificate) | UTF alias | u8 creation time (ms since 1970)
///   tag 1: u4 length, EncryptedPrivateKeyInfo (DER) | u4 chain length | chain of certificates
///   tag 2: one certificate
///   certificate: [version 2: UTF type, "X.509"] u4 length, DER bytes
/// 20 bytes: SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ every preceding byte)
/// </code>
/// "UTF" is Java's <c>DataOutput.writeUTF</c>: a u2 byte length and modified UTF-8. The keystore
/// digest is integrity only (it proves the store password), not encryption: certificates are in
/// the clear and each private key is protected separately by <see cref="RecoverKey"/>.
/// </remarks>
internal static class JksKeyStore
{
    public const uint Magic = 0xFEEDFEED;

    /// <summary>JCEKS (Sun's other format) starts with this magic; it is not supported.</summary>
    public const uint JceksMagic = 0xCECECECE;

    private const int DigestLength = 20; // SHA-1
    private const int MaxEntries = 1024;

    // Object id of Sun's proprietary key protection algorithm (KeyProtector.KEY_PROTECTOR_OID).
    private const string KeyProtectorOid = "1.3.6.1.4.1.42.2.17.1.1";

    private static readonly byte[] IntegritySalt = Encoding.UTF8.GetBytes("Mighty Aphrodite");

    public static bool LooksLikeJks(ReadOnlySpan<byte> data) => data.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == Magic;

    public static bool LooksLikeJceks(ReadOnlySpan<byte> data) => data.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == JceksMagic;

    /// <summary>
    /// Checks the keystore's integrity digest with <paramref name="storePassword"/>, then parses its
    /// entries. Throws <see cref="JksException"/> when the password is wrong or the file is damaged.
    /// </summary>
    public static IReadOnlyList<JksEntry> Load(ReadOnlySpan<byte> data, string storePassword)
    {
        ArgumentNullException.ThrowIfNull(storePassword);
        if (!LooksLikeJks(data) || data.Length < 12 + DigestLength)
        {
            throw new JksException("The file is not a JKS keystore.");
        }

        // Check the password first, as keytool does: a wrong password and a damaged file look the same.
        var body = data[..^DigestLength];
        var password = PasswordBytes(storePassword);
        try
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(password);
            sha1.AppendData(IntegritySalt);
            sha1.AppendData(body);
            Span<byte> digest = stackalloc byte[DigestLength];
            sha1.GetHashAndReset(digest);
            if (!CryptographicOperations.FixedTimeEquals(digest, data[^DigestLength..]))
            {
                throw new JksException("The keystore does not open with this store password (or the file is damaged).");
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }

        var reader = new Reader(body);
        reader.ReadUInt32(); // magic, checked above
        var version = reader.ReadUInt32();
        if (version is not (1 or 2))
        {
            throw new JksException($"JKS version {version} is not supported.");
        }

        var count = reader.ReadUInt32();
        if (count > MaxEntries)
        {
            throw new JksException("The keystore has too many entries.");
        }

        var entries = new List<JksEntry>((int)count);
        for (var i = 0; i < count; i++)
        {
            var tag = reader.ReadUInt32();
            var alias = reader.ReadModifiedUtf8();
            var created = DateTimeOffset.FromUnixTimeMilliseconds(Math.Clamp(reader.ReadInt64(), 0, 253_402_300_799_999));
            switch (tag)
            {
                case 1:
                    var key = reader.ReadBytes(reader.ReadLength()).ToArray();
                    var chainLength = reader.ReadUInt32();
                    if (chainLength > MaxEntries)
                    {
                        throw new JksException("A certificate chain in the keystore is too long.");
                    }

                    var chain = new List<byte[]>((int)chainLength);
                    for (var c = 0; c < chainLength; c++)
                    {
                        chain.Add(ReadCertificate(ref reader, version));
                    }

                    entries.Add(new JksEntry(alias, created, key, chain));
                    break;
                case 2:
                    entries.Add(new JksEntry(alias, created, null, [ReadCertificate(ref reader, version)]));
                    break;
                default:
                    throw new JksException($"The keystore has an entry of unknown type {tag}.");
            }
        }

        if (!reader.AtEnd)
        {
            throw new JksException("The keystore has trailing data.");
        }

        return entries;
    }

    /// <summary>
    /// Recovers a private key protected by Sun's <c>KeyProtector</c> and returns its PKCS#8
    /// <c>PrivateKeyInfo</c> (DER). The protected form is salt(20) ‖ key XOR keystream ‖ check(20),
    /// where the keystream is SHA-1(password ‖ salt), then SHA-1(password ‖ previous block), ... and
    /// check = SHA-1(password ‖ plaintext key); the password is UTF-16BE. Throws
    /// <see cref="JksException"/> when the check fails (wrong key password). The caller clears the result.
    /// </summary>
    public static byte[] RecoverKey(byte[] protectedKey, string keyPassword)
    {
        ArgumentNullException.ThrowIfNull(protectedKey);
        ArgumentNullException.ThrowIfNull(keyPassword);
        byte[] encrypted;
        try
        {
            // EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
            var outer = new AsnReader(protectedKey, AsnEncodingRules.BER);
            var info = outer.ReadSequence();
            var algorithm = info.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid != KeyProtectorOid)
            {
                throw new JksException("The private key is protected with an algorithm JKS readers do not know (is this a JCEKS entry?).");
            }

            encrypted = info.ReadOctetString();
        }
        catch (AsnContentException ex)
        {
            throw new JksException("The protected private key is malformed.", ex);
        }

        if (encrypted.Length <= 2 * DigestLength)
        {
            throw new JksException("The protected private key is malformed.");
        }

        var salt = encrypted.AsSpan(0, DigestLength);
        var cipherText = encrypted.AsSpan(DigestLength, encrypted.Length - (2 * DigestLength));
        var check = encrypted.AsSpan(encrypted.Length - DigestLength);
        var password = PasswordBytes(keyPassword);
        var plain = new byte[cipherText.Length];
        try
        {
            Span<byte> block = stackalloc byte[DigestLength];
            salt.CopyTo(block);
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            for (var offset = 0; offset < plain.Length; offset += DigestLength)
            {
                sha1.AppendData(password);
                sha1.AppendData(block);
                sha1.GetHashAndReset(block);
                var n = Math.Min(DigestLength, plain.Length - offset);
                for (var i = 0; i < n; i++)
                {
                    plain[offset + i] = (byte)(cipherText[offset + i] ^ block[i]);
                }
            }

            sha1.AppendData(password);
            sha1.AppendData(plain);
            Span<byte> digest = stackalloc byte[DigestLength];
            sha1.GetHashAndReset(digest);
            if (!CryptographicOperations.FixedTimeEquals(digest, check))
            {
                CryptographicOperations.ZeroMemory(plain);
                throw new JksException("The private key does not open with this key password.");
            }

            return plain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }
    }

    private static byte[] ReadCertificate(ref Reader reader, uint version)
    {
        if (version == 2)
        {
            var type = reader.ReadModifiedUtf8();
            if (type != "X.509")
            {
                throw new JksException($"The keystore holds a certificate of type '{type}'; only X.509 is supported.");
            }
        }

        return reader.ReadBytes(reader.ReadLength()).ToArray();
    }

    /// <summary>Java passes the password's UTF-16 chars big-endian, two bytes each.</summary>
    private static byte[] PasswordBytes(string password)
    {
        var bytes = new byte[password.Length * 2];
        for (var i = 0; i < password.Length; i++)
        {
            bytes[2 * i] = (byte)(password[i] >> 8);
            bytes[(2 * i) + 1] = (byte)password[i];
        }

        return bytes;
    }

    /// <summary>A bounds-checked big-endian cursor; running past the end means a damaged file.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool AtEnd => _position == _data.Length;

        public ReadOnlySpan<byte> ReadBytes(int count)
        {
            if (count < 0 || count > _data.Length - _position)
            {
                throw new JksException("The keystore is truncated or damaged.");
            }

            var span = _data.Slice(_position, count);
            _position += count;
            return span;
        }

        public uint ReadUInt32() => BinaryPrimitives.ReadUInt32BigEndian(ReadBytes(4));

        public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(ReadBytes(8));

        public int ReadLength()
        {
            var length = ReadUInt32();
            return length <= int.MaxValue ? (int)length : throw new JksException("The keystore is damaged.");
        }

        /// <summary>
        /// Java's modified UTF-8: like UTF-8, but U+0000 is two bytes (C0 80) and characters outside
        /// the BMP are their two UTF-16 surrogates encoded separately, three bytes each. Each 1-3 byte
        /// group therefore decodes to exactly one UTF-16 char.
        /// </summary>
        public string ReadModifiedUtf8()
        {
            var bytes = ReadBytes(BinaryPrimitives.ReadUInt16BigEndian(ReadBytes(2)));
            var chars = new StringBuilder(bytes.Length);
            for (var i = 0; i < bytes.Length;)
            {
                int b = bytes[i];
                if (b < 0x80)
                {
                    chars.Append((char)b);
                    i++;
                }
                else if ((b & 0xE0) == 0xC0 && i + 1 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80)
                {
                    chars.Append((char)(((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F)));
                    i += 2;
                }
                else if ((b & 0xF0) == 0xE0 && i + 2 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80 && (bytes[i + 2] & 0xC0) == 0x80)
                {
                    chars.Append((char)(((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                    i += 3;
                }
                else
                {
                    throw new JksException("The keystore has a malformed alias.");
                }
            }

            return chars.ToString();
        }
    }
}
