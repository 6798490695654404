using System.IO.Compression;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Accounts.Credentials;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Tests.Credentials;
using PocketCode.Testing;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// The workflow's own sign script (<c>.github/scripts/sign.sh</c>) with the real tools: Debian's
/// apksigner and zipalign (installed by <c>.ci/run</c>; a missing tool fails these tests, it does
/// not skip them) and the JDK's jarsigner and keytool. The keystore comes from the BFF exactly as
/// the sign job gets it: stored in the vault (generated, or uploaded PKCS#12/JKS made by keytool),
/// turned into repository secrets by <see cref="BuildOrchestrator.SecretValues"/>, and mapped to the
/// script's environment by the sign step's <c>env</c>. The signed APK and AAB must carry the
/// certificate whose SHA-256 the vault shows the user.
/// </summary>
public sealed partial class SignScriptTests(BuildsFixture fixture) : IClassFixture<BuildsFixture>
{
    private static readonly string Script = NpmFolder.InRepository("user-project-template", ".github", "scripts", "sign.sh");

    [Fact]
    public async Task A_generated_keystore_signs_the_apk_and_the_bundle_with_the_certificate_the_vault_shows()
    {
        using var client = await fixture.UserWithCredentialsAsync("sign-generated");
        await SignsWithTheVaultCertificateAsync(client, "sign-generated");
    }

    /// <summary>Keystores made by keytool (<see cref="Keystores"/>): PKCS#12, JKS with its own key password, JKS with an EC key.</summary>
    [Theory]
    [InlineData("p12-rsa")]
    [InlineData("jks-rsa")]
    [InlineData("jks-ec")]
    public async Task An_uploaded_keystore_made_by_keytool_signs_with_the_certificate_the_vault_shows(string kind)
    {
        var uid = "sign-uploaded-" + kind;
        using var client = await fixture.UserWithCredentialsAsync(uid);
        var keystores = await Keystores.GetAsync();
        var (file, storePassword, keyPassword) = kind switch
        {
            "p12-rsa" => (keystores.P12Rsa, Keystores.P12Password, Keystores.P12Password),
            "jks-rsa" => (keystores.JksRsa, Keystores.JksStorePassword, Keystores.JksKeyPassword),
            _ => (keystores.JksEc, Keystores.JksStorePassword, Keystores.JksStorePassword),
        };
        using var stored = await client.PutAsJsonAsync("/v1/me/credentials/keystore", new
        {
            keystore = Convert.ToBase64String(file),
            storePassword,
            alias = Keystores.Alias,
            keyPassword,
        }, Ct);
        Assert.True(stored.IsSuccessStatusCode, await stored.Content.ReadAsStringAsync(Ct));

        await SignsWithTheVaultCertificateAsync(client, uid);
    }

    [Theory]
    [InlineData("wrong store password", 5, "the keystore password is wrong")]
    [InlineData("wrong alias", 6, "the keystore has no private key with the alias 'nobody'")]
    [InlineData("corrupt keystore", 4, "the keystore is corrupt or not a pkcs12 keystore")]
    [InlineData("keystore not base64", 4, "the keystore is corrupt or not a pkcs12 keystore (its base64 does not decode)")]
    [InlineData("wrong key password", 7, "the key password is wrong")]
    [InlineData("tampered apk", 3, "app-release-unsigned.apk does not match the digest the build job recorded")]
    public async Task A_bad_keystore_or_input_ends_with_its_documented_error_and_never_shows_a_password(string fault, int exitCode, string message)
    {
        var uid = "sign-fault-" + fault.Replace(' ', '-');
        using var client = await fixture.UserWithCredentialsAsync(uid);
        var environment = await SignEnvironmentAsync(uid);
        var password = environment["STORE_PASSWORD"]!;
        using var folder = new TemporaryFolder();
        var unsigned = UnsignedOutputs(folder.Path);
        switch (fault)
        {
            case "wrong store password": environment["STORE_PASSWORD"] = "not-" + password; break;
            case "wrong alias": environment["KEY_ALIAS"] = "nobody"; break;
            case "corrupt keystore": environment["KEYSTORE_BASE64"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(2048)); break;
            case "keystore not base64": environment["KEYSTORE_BASE64"] = "%%% not base64 %%%"; break;
            case "wrong key password": environment["KEY_PASSWORD"] = "not-" + password; break;
            case "tampered apk": await File.AppendAllTextAsync(Path.Combine(unsigned, "app-release-unsigned.apk"), "x", Ct); break;
        }

        var signed = Path.Combine(folder.Path, "signed");
        var result = await RunScript(unsigned, signed, environment);

        Assert.Equal(exitCode, result.ExitCode);
        Assert.Contains("::error::sign.sh: " + message, result.StandardError, StringComparison.Ordinal);
        var output = result.StandardOutput + result.StandardError;
        Assert.DoesNotContain(password, output, StringComparison.Ordinal);
        Assert.DoesNotContain(environment["STORE_PASSWORD"]!, output, StringComparison.Ordinal);
        Assert.DoesNotContain(environment["KEY_PASSWORD"]!, output, StringComparison.Ordinal);
        // Nothing half-signed is left for the upload step.
        Assert.False(File.Exists(Path.Combine(signed, "app-release.apk")));
        Assert.False(File.Exists(Path.Combine(signed, "app-release.aab")));
    }

    [Fact]
    public async Task The_script_uses_the_newest_build_tools_under_android_home_before_the_path()
    {
        using var client = await fixture.UserWithCredentialsAsync("sign-android-home");
        var environment = await SignEnvironmentAsync("sign-android-home");
        using var folder = new TemporaryFolder();
        // Two fake build-tools versions whose apksigner/zipalign only record that they ran.
        foreach (var version in new[] { "34.0.0", "35.0.1" })
        {
            var tools = Directory.CreateDirectory(Path.Combine(folder.Path, "sdk", "build-tools", version)).FullName;
            foreach (var tool in new[] { "apksigner", "zipalign" })
            {
                var path = Path.Combine(tools, tool);
                await File.WriteAllTextAsync(path, $"#!/bin/sh\necho \"{version} {tool}\" >> \"{folder.Path}/ran\"\nexit 9\n", Ct);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            }
        }

        environment["ANDROID_HOME"] = Path.Combine(folder.Path, "sdk");
        var result = await RunScript(UnsignedOutputs(folder.Path), Path.Combine(folder.Path, "signed"), environment);

        Assert.Equal(8, result.ExitCode);
        Assert.Contains("35.0.1 zipalign", await File.ReadAllTextAsync(Path.Combine(folder.Path, "ran"), Ct), StringComparison.Ordinal);
        Assert.DoesNotContain("34.0.0", await File.ReadAllTextAsync(Path.Combine(folder.Path, "ran"), Ct), StringComparison.Ordinal);
    }

    private async Task SignsWithTheVaultCertificateAsync(HttpClient client, string uid)
    {
        var shown = await VaultCertificateSha256Async(client);
        var environment = await SignEnvironmentAsync(uid);
        using var folder = new TemporaryFolder();
        var signed = Path.Combine(folder.Path, "signed");

        var result = await RunScript(UnsignedOutputs(folder.Path), signed, environment);

        Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardError);
        var apk = await Run("apksigner", ["verify", "--min-sdk-version", "21", "--print-certs", Path.Combine(signed, "app-release.apk")]);
        Assert.Equal(shown, ApkCertificate().Match(apk.StandardOutput).Groups[1].Value);
        var aab = await Run("jarsigner", ["-verify", Path.Combine(signed, "app-release.aab")]);
        Assert.Contains("jar verified", aab.StandardOutput, StringComparison.Ordinal);
        var certificate = await Run("keytool", ["-printcert", "-jarfile", Path.Combine(signed, "app-release.aab")]);
        Assert.Equal(shown, JarCertificate().Match(certificate.StandardOutput).Groups[1].Value.Replace(":", "", StringComparison.Ordinal).ToLowerInvariant());
        Assert.DoesNotContain(environment["STORE_PASSWORD"]!, result.StandardOutput + result.StandardError, StringComparison.Ordinal);
    }

    /// <summary>The certificate SHA-256 the credentials list shows the user for the keystore.</summary>
    private static async Task<string> VaultCertificateSha256Async(HttpClient client)
    {
        var list = await client.GetFromJsonAsync<JsonElement>("/v1/me/credentials", Ct);
        var keystore = list.GetProperty("items").EnumerateArray().Single(c => c.GetProperty("kind").GetString() == CredentialKinds.Keystore);
        var sha256 = keystore.GetProperty("details").GetProperty("certificateSha256").GetString()!;
        Assert.Matches("^[0-9a-f]{64}$", sha256);
        return sha256;
    }

    /// <summary>
    /// The sign step's environment as GitHub would fill it: each env entry of the step names a
    /// repository secret, whose value is what the orchestrator sets from the vault.
    /// </summary>
    private async Task<Dictionary<string, string?>> SignEnvironmentAsync(string uid)
    {
        var vault = fixture.Factory.Services.GetRequiredService<CredentialVault>();
        var secrets = BuildOrchestrator.SecretValues(
            (await vault.GetSecretAsync(uid, CredentialKinds.Keystore, Ct))!,
            (await vault.GetSecretAsync(uid, CredentialKinds.Play, Ct))!);
        var step = Workflows.Steps((YamlMappingNode)Workflows.Jobs(Workflows.Load(Workflows.Template))["sign"]).Single(s => Workflows.Scalar(s, "id") == "sign");
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            // Debian's tools on PATH, as on this machine; the test's APK has a text manifest.
            ["ANDROID_HOME"] = null,
            ["APK_MIN_SDK_VERSION"] = "21",
        };
        foreach (var (name, value) in ((YamlMappingNode)step["env"]).Children)
        {
            var secret = SecretExpression().Match(((YamlScalarNode)value).Value!).Groups[1].Value;
            environment[((YamlScalarNode)name).Value!] = secrets[secret];
        }

        Assert.Equal(".github/scripts/sign.sh \"$RUNNER_TEMP/unsigned\" \"$RUNNER_TEMP/signed\"", Workflows.Scalar(step, "run"));
        return environment;
    }

    /// <summary>
    /// What the build job uploads: an unsigned APK (a zip with a text AndroidManifest.xml and a
    /// classes.dex; no platform android.jar exists here to compile a binary manifest), an AAB-shaped
    /// zip, and their SHA-256 in sha256sum format.
    /// </summary>
    private static string UnsignedOutputs(string root)
    {
        var folder = Directory.CreateDirectory(Path.Combine(root, "unsigned")).FullName;
        var manifest = Encoding.UTF8.GetBytes("<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"com.example.app\"/>");
        byte[] dex = [.. "dex\n035\0"u8, .. new byte[104]];
        WriteZip(Path.Combine(folder, "app-release-unsigned.apk"), ("AndroidManifest.xml", manifest), ("classes.dex", dex));
        WriteZip(Path.Combine(folder, "app-release.aab"), ("BundleConfig.pb", [0x0a, 0x00]), ("base/manifest/AndroidManifest.xml", manifest), ("base/dex/classes.dex", dex));
        var sums = string.Concat(new[] { "app-release.aab", "app-release-unsigned.apk" }
            .Select(f => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(folder, f)))) + "  " + f + "\n"));
        File.WriteAllText(Path.Combine(folder, "SHA256SUMS"), sums);
        return folder;
    }

    private static void WriteZip(string path, params (string Name, byte[] Content)[] entries)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        foreach (var (name, content) in entries)
        {
            using var stream = zip.CreateEntry(name).Open();
            stream.Write(content);
        }
    }

    private static Task<ProcessResult> RunScript(string unsigned, string signed, Dictionary<string, string?> environment) =>
        NpmFolder.RunAsync(Script, [unsigned, signed], Path.GetDirectoryName(unsigned)!, TimeSpan.FromMinutes(2), environment);

    private static async Task<ProcessResult> Run(string tool, string[] arguments)
    {
        var result = await NpmFolder.RunAsync(tool, arguments, Path.GetTempPath(), TimeSpan.FromMinutes(2));
        Assert.True(result.ExitCode == 0, $"{tool} {string.Join(' ', arguments)}: {result.StandardOutput}{result.StandardError}");
        return result;
    }

    [GeneratedRegex(@"^\$\{\{ secrets\.([A-Z0-9_]+) \}\}$")]
    private static partial Regex SecretExpression();

    [GeneratedRegex(@"Signer #1 certificate SHA-256 digest: ([0-9a-f]{64})")]
    private static partial Regex ApkCertificate();

    [GeneratedRegex(@"SHA256: ([0-9A-F:]{95})")]
    private static partial Regex JarCertificate();

    private sealed class TemporaryFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("pocketcode-sign-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
