using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace PocketCode.Bff.Credentials.Keystores;

/// <summary>What a verified keystore holds under the chosen alias (nothing secret).</summary>
internal sealed record KeystoreInfo(
    string Format,
    string Alias,
    string CertificateSha256,
    string Subject,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string KeyAlgorithm,
    int KeySize);

/// <summary>A keystore failed verification; <see cref="Field"/> names the request member at fault.</summary>
internal sealed class KeystoreValidationException : Exception
{
    public KeystoreValidationException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public KeystoreValidationException()
    {
        Field = "keystore";
    }

    public KeystoreValidationException(string message)
        : base(message)
    {
        Field = "keystore";
    }

    public KeystoreValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "keystore";
    }

    public string Field { get; }
}

/// <summary>
/// Opens an Android upload keystore (PKCS12 or JKS) with the given passwords and proves the alias
/// holds a private key matching its certificate, before anything is stored. Messages name the
/// member to fix and never echo a password.
/// </summary>
internal static class KeystoreInspector
{
    public const string Pkcs12 = "pkcs12";
    public const string Jks = "jks";

    /// <summary>Smallest RSA key accepted for an upload key (Google Play requires 2048 bits or more).</summary>
    public const int MinimumRsaKeySize = 2048;

    private const string RsaOid = "1.2.840.113549.1.1.1";
    private const string EcOid = "1.2.840.10045.2.1";
    private const string FriendlyNameOid = "1.2.840.113549.1.9.20";

    public static KeystoreInfo Inspect(byte[] keystore, string storePassword, string alias, string? keyPassword)
    {
        ArgumentNullException.ThrowIfNull(keystore);
        if (JksKeyStore.LooksLikeJceks(keystore))
        {
            throw new KeystoreValidationException("keystore", "JCEKS keystores are not supported; convert it with `keytool -importkeystore -deststoretype pkcs12`.");
        }

        return JksKeyStore.LooksLikeJks(keystore)
            ? InspectJks(keystore, storePassword, alias, keyPassword ?? storePassword)
            : InspectPkcs12(keystore, storePassword, alias, keyPassword ?? storePassword);
    }

    private static KeystoreInfo InspectJks(byte[] keystore, string storePassword, string alias, string keyPassword)
    {
        IReadOnlyList<JksEntry> entries;
        try
        {
            entries = JksKeyStore.Load(keystore, storePassword);
        }
        catch (JksException ex)
        {
            throw new KeystoreValidationException("storePassword", ex.Message);
        }

        var entry = entries.FirstOrDefault(e => string.Equals(e.Alias, alias, StringComparison.OrdinalIgnoreCase))
            ?? throw NoSuchAlias(alias, entries.Select(e => e.Alias));
        if (!entry.IsPrivateKey || entry.Certificates.Count == 0)
        {
            throw new KeystoreValidationException("alias", $"The entry '{entry.Alias}' holds a certificate only, not a private key; choose the alias of the signing key.");
        }

        byte[] pkcs8;
        try
        {
            pkcs8 = JksKeyStore.RecoverKey(entry.ProtectedKey!, keyPassword);
        }
        catch (JksException ex)
        {
            throw new KeystoreValidationException("keyPassword", ex.Message);
        }

        try
        {
            return Describe(Jks, entry.Alias, pkcs8, entry.Certificates[0]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static KeystoreInfo InspectPkcs12(byte[] keystore, string storePassword, string alias, string keyPassword)
    {
        // The loader verifies the MAC and decrypts every bag under limits on iteration counts and
        // sizes, so a hostile file cannot make the lower-level reads below burn CPU.
        try
        {
            var loaded = X509CertificateLoader.LoadPkcs12Collection(keystore, storePassword, X509KeyStorageFlags.EphemeralKeySet, Pkcs12LoaderLimits.Defaults);
            foreach (var certificate in loaded)
            {
                certificate.Dispose();
            }
        }
        catch (Pkcs12LoadLimitExceededException)
        {
            throw new KeystoreValidationException("keystore", "The PKCS12 file exceeds the limits on size or key-derivation iterations.");
        }
        catch (CryptographicException)
        {
            throw new KeystoreValidationException("storePassword",
                "The keystore does not open with this store password, or it is not a PKCS12 or JKS file.");
        }

        var keys = new List<(string? Alias, ReadOnlyMemory<byte> EncryptedKey)>();
        var certificates = new List<(string? Alias, byte[] Der)>();
        try
        {
            var info = Pkcs12Info.Decode(keystore, out _, skipCopy: true);
            foreach (var contents in info.AuthenticatedSafe)
            {
                if (contents.ConfidentialityMode == Pkcs12ConfidentialityMode.Password)
                {
                    contents.Decrypt(storePassword);
                }
                else if (contents.ConfidentialityMode != Pkcs12ConfidentialityMode.None)
                {
                    continue; // public-key protected contents: not something Android tooling makes
                }

                foreach (var bag in contents.GetBags())
                {
                    switch (bag)
                    {
                        case Pkcs12ShroudedKeyBag shrouded:
                            keys.Add((FriendlyName(bag), shrouded.EncryptedPkcs8PrivateKey));
                            break;
                        case Pkcs12CertBag { IsX509Certificate: true } certBag:
                            using (var certificate = certBag.GetCertificate())
                            {
                                certificates.Add((FriendlyName(bag), certificate.RawData));
                            }

                            break;
                    }
                }
            }
        }
        catch (CryptographicException)
        {
            throw new KeystoreValidationException("keystore", "The PKCS12 file is malformed.");
        }

        var aliases = keys.Select(k => k.Alias).Concat(certificates.Select(c => c.Alias)).OfType<string>().Distinct(StringComparer.OrdinalIgnoreCase);
        var key = keys.FirstOrDefault(k => string.Equals(k.Alias, alias, StringComparison.OrdinalIgnoreCase));
        if (key.Alias is null)
        {
            if (certificates.Exists(c => string.Equals(c.Alias, alias, StringComparison.OrdinalIgnoreCase)))
            {
                throw new KeystoreValidationException("alias", $"The entry '{alias}' holds a certificate only, not a private key; choose the alias of the signing key.");
            }

            throw NoSuchAlias(alias, aliases);
        }

        Pkcs8PrivateKeyInfo keyInfo;
        try
        {
            keyInfo = Pkcs8PrivateKeyInfo.DecryptAndDecode(keyPassword.AsSpan(), key.EncryptedKey, out _);
        }
        catch (CryptographicException)
        {
            throw new KeystoreValidationException("keyPassword",
                "The private key does not open with this key password (PKCS12 keystores made by keytool use the store password for the key).");
        }

        var pkcs8 = keyInfo.Encode();
        try
        {
            // The certificate is the one whose public key is this key's; keytool also pairs them by localKeyId.
            foreach (var (_, der) in certificates)
            {
                if (TryDescribe(Pkcs12, key.Alias, pkcs8, der) is { } described)
                {
                    return described;
                }
            }

            throw new KeystoreValidationException("alias", $"The entry '{key.Alias}' has no certificate for its private key.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(pkcs8);
        }
    }

    private static KeystoreInfo Describe(string format, string alias, byte[] pkcs8, byte[] certificate) =>
        TryDescribe(format, alias, pkcs8, certificate)
        ?? throw new KeystoreValidationException("alias", $"The private key of '{alias}' does not match its certificate.");

    /// <summary>Imports the key, checks it against the certificate's public key, and describes both; null when they do not match.</summary>
    private static KeystoreInfo? TryDescribe(string format, string alias, byte[] pkcs8, byte[] certificateDer)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadCertificate(certificateDer);
        }
        catch (CryptographicException)
        {
            throw new KeystoreValidationException("keystore", $"The certificate of '{alias}' is malformed.");
        }

        using (certificate)
        {
            string algorithm;
            int keySize;
            bool matches;
            try
            {
                var oid = Pkcs8PrivateKeyInfo.Decode(pkcs8, out _, skipCopy: true).AlgorithmId.Value;
                switch (oid)
                {
                    case RsaOid:
                    {
                        using var key = RSA.Create();
                        key.ImportPkcs8PrivateKey(pkcs8, out _);
                        using var publicKey = certificate.GetRSAPublicKey();
                        algorithm = "RSA";
                        keySize = key.KeySize;
                        matches = publicKey is not null && SameRsaKey(key.ExportParameters(false), publicKey.ExportParameters(false));
                        break;
                    }

                    case EcOid:
                    {
                        using var key = ECDsa.Create();
                        key.ImportPkcs8PrivateKey(pkcs8, out _);
                        using var publicKey = certificate.GetECDsaPublicKey();
                        algorithm = "EC";
                        keySize = key.KeySize;
                        matches = publicKey is not null && SameEcKey(key.ExportParameters(false), publicKey.ExportParameters(false));
                        break;
                    }

                    default:
                        throw new KeystoreValidationException("keystore", $"The key of '{alias}' uses an unsupported algorithm; Android upload keys are RSA or EC.");
                }
            }
            catch (CryptographicException)
            {
                throw new KeystoreValidationException("keystore", $"The private key of '{alias}' is malformed.");
            }

            if (!matches)
            {
                return null;
            }

            if (algorithm == "RSA" && keySize < MinimumRsaKeySize)
            {
                throw new KeystoreValidationException("keystore", $"The RSA key of '{alias}' has {keySize} bits; Google Play needs {MinimumRsaKeySize} or more.");
            }

            return new KeystoreInfo(
                format,
                alias,
                certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant(),
                certificate.Subject,
                new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
                new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero),
                algorithm,
                keySize);
        }
    }

    private static bool SameRsaKey(RSAParameters a, RSAParameters b) =>
        a.Modulus.AsSpan().SequenceEqual(b.Modulus) && a.Exponent.AsSpan().SequenceEqual(b.Exponent);

    private static bool SameEcKey(ECParameters a, ECParameters b) =>
        a.Q.X.AsSpan().SequenceEqual(b.Q.X) && a.Q.Y.AsSpan().SequenceEqual(b.Q.Y);

    private static KeystoreValidationException NoSuchAlias(string alias, IEnumerable<string> aliases)
    {
        var known = aliases.Order(StringComparer.OrdinalIgnoreCase).ToList();
        return new KeystoreValidationException("alias", known.Count == 0
            ? $"The keystore has no entry named '{alias}' (it has no named entries)."
            : $"The keystore has no entry named '{alias}'; it has: {string.Join(", ", known)}.");
    }

    /// <summary>The PKCS#9 friendlyName attribute, which Java's keytool uses as the alias.</summary>
    private static string? FriendlyName(Pkcs12SafeBag bag)
    {
        foreach (var attribute in bag.Attributes)
        {
            if (attribute.Oid?.Value == FriendlyNameOid && attribute.Values.Count > 0)
            {
                try
                {
                    return new AsnReader(attribute.Values[0].RawData, AsnEncodingRules.BER).ReadCharacterString(UniversalTagNumber.BMPString);
                }
                catch (AsnContentException)
                {
                    return null;
                }
            }
        }

        return null;
    }
}
