using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace PocketCode.Bff.Credentials.Keystores;

/// <summary>A new upload keystore: the PKCS12 file, its password (store and key alike) and what it holds.</summary>
internal sealed class GeneratedKeystore(byte[] pkcs12, string password, KeystoreInfo info)
{
    public byte[] Pkcs12 { get; } = pkcs12;

    public string Password { get; } = password;

    public KeystoreInfo Info { get; } = info;

    public override string ToString() => $"GeneratedKeystore({Info.Alias}, {Info.CertificateSha256})";
}

/// <summary>
/// Makes an Android upload key for users who have none: RSA 3072, a self-signed certificate valid
/// for 30 years (Google Play asks for 25 or more), in a PKCS12 file that keytool, Gradle and
/// apksigner open. The password is random; PKCS12 as Java reads it has one password for store and key.
/// </summary>
internal static class KeystoreGenerator
{
    public const int KeySize = 3072;
    public const int ValidityYears = 30;
    public const int PasswordLength = 24; // ~143 bits over 62 symbols

    private const string FriendlyNameOid = "1.2.840.113549.1.9.20";
    private const string PasswordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    // PBES2 with AES-256 and SHA-256, which Java 11.0.12+ and 17 read. The password has ~143 bits
    // of entropy, so the iteration count only needs to match keytool's default, not resist guessing.
    private static readonly PbeParameters Protection = new(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000);

    public static GeneratedKeystore Generate(string alias, X500DistinguishedName subject, DateTimeOffset now)
    {
        ArgumentException.ThrowIfNullOrEmpty(alias);
        ArgumentNullException.ThrowIfNull(subject);
        using var key = RSA.Create(KeySize);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        // A few minutes back, so a device with a slightly slow clock does not see a future certificate.
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(ValidityYears));

        var password = RandomNumberGenerator.GetString(PasswordAlphabet, PasswordLength);
        var localKeyId = new Pkcs9LocalKeyId(certificate.GetCertHash(HashAlgorithmName.SHA256));
        var friendlyName = FriendlyName(alias);

        var keyContents = new Pkcs12SafeContents();
        var keyBag = keyContents.AddShroudedKey(key, password, Protection);
        keyBag.Attributes.Add(localKeyId);
        keyBag.Attributes.Add(friendlyName);

        var certificateContents = new Pkcs12SafeContents();
        var certificateBag = certificateContents.AddCertificate(certificate);
        certificateBag.Attributes.Add(localKeyId);
        certificateBag.Attributes.Add(friendlyName);

        var builder = new Pkcs12Builder();
        builder.AddSafeContentsEncrypted(certificateContents, password, Protection);
        builder.AddSafeContentsUnencrypted(keyContents);
        builder.SealWithMac(password, HashAlgorithmName.SHA256, Protection.IterationCount);
        var file = builder.Encode();

        var info = new KeystoreInfo(
            KeystoreInspector.Pkcs12,
            alias,
            certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(),
            certificate.Subject,
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
            new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
            "RSA",
            KeySize);
        return new GeneratedKeystore(file, password, info);
    }

    /// <summary>The PKCS#9 friendlyName attribute (a BMPString), which keytool reads as the alias.</summary>
    private static Pkcs9AttributeObject FriendlyName(string alias)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        writer.WriteCharacterString(UniversalTagNumber.BMPString, alias);
        return new Pkcs9AttributeObject(new Oid(FriendlyNameOid), writer.Encode());
    }
}
