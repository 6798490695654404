using System.Diagnostics;
using Xunit;

namespace PocketCode.Bff.Tests.Credentials;

/// <summary>
/// Real keystores made at test time by the JDK's keytool (Java 17 on the machine), so the JKS
/// reader and the PKCS12 checks are verified against what Android developers actually have.
/// Generated once per test run.
/// </summary>
public sealed class Keystores
{
    public const string JksStorePassword = "jks-store-pass";
    public const string JksKeyPassword = "jks-key-pass-2";
    public const string P12Password = "p12-store-pass";
    public const string Alias = "upload";

    private static readonly Lazy<Task<Keystores>> Shared = new(CreateAsync);

    private Keystores()
    {
    }

    /// <summary>JKS, RSA 2048 under <see cref="Alias"/> (key password differs from the store's), plus a trusted-certificate entry "partner".</summary>
    public byte[] JksRsa { get; private set; } = [];

    /// <summary>SHA-256 of the JKS upload certificate as keytool exports it.</summary>
    public string JksRsaCertificateSha256 { get; private set; } = "";

    /// <summary>JKS with an EC P-256 key under <see cref="Alias"/>, same password for store and key.</summary>
    public byte[] JksEc { get; private set; } = [];

    /// <summary>PKCS12 (keytool's default), RSA 2048 under <see cref="Alias"/>.</summary>
    public byte[] P12Rsa { get; private set; } = [];

    public static Task<Keystores> GetAsync() => Shared.Value;

    /// <summary>Runs keytool and returns its standard output; fails the test on a non-zero exit.</summary>
    public static async Task<string> KeytoolAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("keytool") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"keytool {string.Join(' ', arguments)} failed: {await output}{await error}");
        return await output;
    }

    private static async Task<Keystores> CreateAsync()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("pocketcode-keystores-").FullName;
        var keystores = new Keystores();
        string File(string name) => Path.Combine(directory, name);

        await KeytoolAsync("-genkeypair", "-keystore", File("rsa.jks"), "-storetype", "JKS", "-storepass", JksStorePassword, "-keypass", JksKeyPassword,
            "-alias", Alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "10000", "-dname", "CN=JKS Upload, O=PocketCode Tests, C=DE");
        await KeytoolAsync("-genkeypair", "-keystore", File("partner.p12"), "-storetype", "PKCS12", "-storepass", "partner-pass",
            "-alias", "partner", "-keyalg", "RSA", "-keysize", "2048", "-validity", "100", "-dname", "CN=Partner");
        await KeytoolAsync("-exportcert", "-keystore", File("partner.p12"), "-storepass", "partner-pass", "-alias", "partner", "-file", File("partner.der"));
        await KeytoolAsync("-importcert", "-noprompt", "-keystore", File("rsa.jks"), "-storetype", "JKS", "-storepass", JksStorePassword,
            "-alias", "partner", "-file", File("partner.der"));
        await KeytoolAsync("-exportcert", "-keystore", File("rsa.jks"), "-storepass", JksStorePassword, "-alias", Alias, "-file", File("upload.der"));

        await KeytoolAsync("-genkeypair", "-keystore", File("ec.jks"), "-storetype", "JKS", "-storepass", JksStorePassword, "-keypass", JksStorePassword,
            "-alias", Alias, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "10000", "-dname", "CN=EC Upload");
        await KeytoolAsync("-genkeypair", "-keystore", File("rsa.p12"), "-storetype", "PKCS12", "-storepass", P12Password,
            "-alias", Alias, "-keyalg", "RSA", "-keysize", "2048", "-validity", "10000", "-dname", "CN=P12 Upload, O=PocketCode Tests");

        keystores.JksRsa = await System.IO.File.ReadAllBytesAsync(File("rsa.jks"));
        keystores.JksEc = await System.IO.File.ReadAllBytesAsync(File("ec.jks"));
        keystores.P12Rsa = await System.IO.File.ReadAllBytesAsync(File("rsa.p12"));
        keystores.JksRsaCertificateSha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await System.IO.File.ReadAllBytesAsync(File("upload.der"))));

        // The tests use the bytes; the files (with their passwords in this source) need not stay.
        System.IO.Directory.Delete(directory, recursive: true);
        return keystores;
    }
}
