using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PocketCode.Bff.Credentials.Keystores;
using Xunit;

namespace PocketCode.Bff.Tests.Credentials;

/// <summary>The hand-written JKS reader, the PKCS12 checks and the generator, against keytool's own files.</summary>
public sealed class KeystoreTests
{
    [Fact]
    public async Task The_jks_reader_reads_keytools_entries_and_recovers_the_private_key()
    {
        var keystores = await Keystores.GetAsync();

        var entries = JksKeyStore.Load(keystores.JksRsa, Keystores.JksStorePassword);

        Assert.Equal(["partner", "upload"], entries.Select(e => e.Alias).Order(StringComparer.Ordinal));
        var upload = entries.Single(e => e.Alias == "upload");
        Assert.True(upload.IsPrivateKey);
        Assert.False(entries.Single(e => e.Alias == "partner").IsPrivateKey);
        Assert.Equal(keystores.JksRsaCertificateSha256, Convert.ToHexStringLower(SHA256.HashData(upload.Certificates[0])));

        var pkcs8 = JksKeyStore.RecoverKey(upload.ProtectedKey!, Keystores.JksKeyPassword);
        using var key = RSA.Create();
        key.ImportPkcs8PrivateKey(pkcs8, out _);
        using var certificate = X509CertificateLoader.LoadCertificate(upload.Certificates[0]);
        using var publicKey = certificate.GetRSAPublicKey()!;
        Assert.Equal(publicKey.ExportParameters(false).Modulus, key.ExportParameters(false).Modulus);

        // The recovered key signs what the certificate's key verifies.
        var signature = key.SignData("apk"u8, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        Assert.True(publicKey.VerifyData("apk"u8, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task The_jks_reader_rejects_a_wrong_store_password_a_damaged_file_and_a_wrong_key_password()
    {
        var keystores = await Keystores.GetAsync();

        Assert.Throws<JksException>(() => JksKeyStore.Load(keystores.JksRsa, "wrong"));

        var damaged = (byte[])keystores.JksRsa.Clone();
        damaged[damaged.Length / 2] ^= 0x10;
        Assert.Throws<JksException>(() => JksKeyStore.Load(damaged, Keystores.JksStorePassword));
        Assert.Throws<JksException>(() => JksKeyStore.Load(keystores.JksRsa.AsSpan(0, 100), Keystores.JksStorePassword));

        var upload = JksKeyStore.Load(keystores.JksRsa, Keystores.JksStorePassword).Single(e => e.Alias == "upload");
        Assert.Throws<JksException>(() => JksKeyStore.RecoverKey(upload.ProtectedKey!, Keystores.JksStorePassword));
    }

    [Fact]
    public async Task Inspecting_a_jks_describes_the_alias_and_names_the_member_at_fault()
    {
        var keystores = await Keystores.GetAsync();

        var info = KeystoreInspector.Inspect(keystores.JksRsa, Keystores.JksStorePassword, "UPLOAD", Keystores.JksKeyPassword);

        Assert.Equal(("jks", "upload", "RSA", 2048), (info.Format, info.Alias, info.KeyAlgorithm, info.KeySize));
        Assert.Equal(keystores.JksRsaCertificateSha256, info.CertificateSha256);
        Assert.Contains("CN=JKS Upload", info.Subject, StringComparison.Ordinal);

        Assert.Equal("storePassword", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.JksRsa, "nope", "upload", Keystores.JksKeyPassword)).Field);
        Assert.Equal("keyPassword", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.JksRsa, Keystores.JksStorePassword, "upload", null)).Field);
        var missing = Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.JksRsa, Keystores.JksStorePassword, "release", Keystores.JksKeyPassword));
        Assert.Equal("alias", missing.Field);
        Assert.Contains("partner, upload", missing.Message, StringComparison.Ordinal);
        var certificateOnly = Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.JksRsa, Keystores.JksStorePassword, "partner", Keystores.JksKeyPassword));
        Assert.Equal("alias", certificateOnly.Field);
        Assert.Contains("certificate only", certificateOnly.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspecting_an_ec_jks_and_a_keytool_pkcs12_works_and_wrong_passwords_fail()
    {
        var keystores = await Keystores.GetAsync();

        var ec = KeystoreInspector.Inspect(keystores.JksEc, Keystores.JksStorePassword, "upload", null);
        Assert.Equal(("EC", 256), (ec.KeyAlgorithm, ec.KeySize));

        var p12 = KeystoreInspector.Inspect(keystores.P12Rsa, Keystores.P12Password, "upload", null);
        Assert.Equal(("pkcs12", "upload", "RSA"), (p12.Format, p12.Alias, p12.KeyAlgorithm));

        Assert.Equal("storePassword", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.P12Rsa, "wrong", "upload", null)).Field);
        Assert.Equal("keyPassword", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.P12Rsa, Keystores.P12Password, "upload", "other")).Field);
        Assert.Equal("alias", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(keystores.P12Rsa, Keystores.P12Password, "release", null)).Field);
        Assert.Equal("storePassword", Assert.Throws<KeystoreValidationException>(() => KeystoreInspector.Inspect(RandomNumberGenerator.GetBytes(2000), "x", "upload", null)).Field);
    }

    [Fact]
    public async Task A_generated_keystore_opens_in_dotnet_and_in_keytool_with_its_password()
    {
        var now = DateTimeOffset.UtcNow;
        var subject = new X500DistinguishedNameBuilder();
        subject.AddCommonName("Ada Lovelace");
        subject.AddOrganizationName("PocketCode");
        subject.AddCountryOrRegion("DE");

        var generated = KeystoreGenerator.Generate("upload", subject.Build(), now);

        using (var collection = new DisposableCollection(X509CertificateLoader.LoadPkcs12Collection(generated.Pkcs12, generated.Password)))
        {
            var certificate = Assert.Single(collection.Certificates);
            Assert.True(certificate.HasPrivateKey);
            using var key = certificate.GetRSAPrivateKey()!;
            Assert.True(key.KeySize >= 3072);
            Assert.True(certificate.NotAfter.ToUniversalTime() >= now.UtcDateTime.AddYears(25));
            Assert.Equal("CN=Ada Lovelace, O=PocketCode, C=DE", certificate.Subject);
        }

        var info = KeystoreInspector.Inspect(generated.Pkcs12, generated.Password, "upload", generated.Password);
        Assert.Equal(generated.Info.CertificateSha256, info.CertificateSha256);

        var file = Path.Combine(Path.GetTempPath(), "pocketcode-generated-" + Guid.NewGuid().ToString("N") + ".p12");
        string listing;
        try
        {
            await File.WriteAllBytesAsync(file, generated.Pkcs12, TestContext.Current.CancellationToken);
            listing = await Keystores.KeytoolAsync("-list", "-v", "-keystore", file, "-storetype", "PKCS12", "-storepass", generated.Password, "-alias", "upload");
        }
        finally
        {
            File.Delete(file);
        }

        Assert.Contains("Entry type: PrivateKeyEntry", listing, StringComparison.Ordinal);
        Assert.Contains("3072-bit RSA key", listing, StringComparison.Ordinal);
        Assert.DoesNotContain(generated.Password, generated.ToString(), StringComparison.Ordinal);
    }

    private sealed class DisposableCollection(X509Certificate2Collection certificates) : IDisposable
    {
        public X509Certificate2Collection Certificates { get; } = certificates;

        public void Dispose()
        {
            foreach (var certificate in Certificates)
            {
                certificate.Dispose();
            }
        }
    }
}
