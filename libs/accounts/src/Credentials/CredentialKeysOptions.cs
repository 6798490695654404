using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PocketCode.Platform.Secrets;
using PocketCode.Storage;

namespace PocketCode.Accounts.Credentials;

/// <summary>
/// Where the credential KEKs come from: <c>CREDENTIALS_KEYS</c> (on Cloud Run, a Secret Manager
/// secret exposed as that variable). Development without it generates a key once and keeps it
/// under <c>POCKETCODE_DATA_DIR</c>, so restarts still decrypt what was stored.
/// </summary>
public sealed class CredentialKeysOptions
{
    public const string ConfigurationKey = "CREDENTIALS_KEYS";

    /// <summary>File under the data directory holding the Development key ring.</summary>
    public const string DevelopmentKeyFileName = "credentials-keys.dev";

    /// <summary>The raw key ring value; never log it.</summary>
    public string? Keys { get; set; }

    /// <summary>Set when the keys came from a generated Development file (for diagnostics).</summary>
    public string? DevelopmentKeyFile { get; set; }

    public override string ToString() => $"CredentialKeysOptions(Keys: {(string.IsNullOrEmpty(Keys) ? "unset" : SecretString.Redacted)})";

    internal static void Configure(CredentialKeysOptions options, IConfiguration configuration, IHostEnvironment environment, DevelopmentCredentialKeys development)
    {
        options.Keys = configuration[ConfigurationKey] is { } configured && !string.IsNullOrWhiteSpace(configured) ? configured.Trim() : null;
        if (options.Keys is null && environment.IsDevelopment())
        {
            (options.Keys, options.DevelopmentKeyFile) = development.Value;
        }
    }
}

/// <summary>
/// The Development key ring, loaded or generated once per process: options instances are built
/// more than once, the key file and the warning must not be.
/// </summary>
internal sealed partial class DevelopmentCredentialKeys(IConfiguration configuration, ILogger<DevelopmentCredentialKeys> logger)
{
    private readonly Lazy<(string Keys, string File)> _value = new(() => Load(configuration, logger));

    public (string Keys, string File) Value => _value.Value;

    private static (string Keys, string File) Load(IConfiguration configuration, ILogger logger)
    {
        var file = Path.Combine(StorageOptions.FromConfiguration(configuration).DataDirectory, CredentialKeysOptions.DevelopmentKeyFileName);
        var keys = LoadOrCreate(file);
        LogDevelopmentKey(logger, CredentialKeysOptions.ConfigurationKey, file);
        return (keys, file);
    }

    /// <summary>A key file written once, atomically, readable by the owner only.</summary>
    private static string LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            var fileOptions = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                fileOptions.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, fileOptions))
            {
                writer.Write(CredentialKeyRing.NewEntry("dev-" + DateTime.UtcNow.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)));
            }

            try
            {
                // Two processes starting together: the first move wins, the other reads its key.
                File.Move(temporary, path, overwrite: false);
            }
            catch (IOException) when (File.Exists(path))
            {
                File.Delete(temporary);
            }
        }

        return File.ReadAllText(path).Trim();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Setting} is not set; Development encrypts user credentials with a generated key kept in {KeyFile}. Set it in every other environment.")]
    private static partial void LogDevelopmentKey(ILogger logger, string setting, string keyFile);
}

internal sealed class CredentialKeysOptionsValidator : IValidateOptions<CredentialKeysOptions>
{
    public ValidateOptionsResult Validate(string? name, CredentialKeysOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.Keys))
        {
            return ValidateOptionsResult.Fail(
                $"{CredentialKeysOptions.ConfigurationKey} is not set. Set it to comma-separated keyId:base64 entries of 32 random bytes each " +
                "(e.g. 'k1:' + `openssl rand -base64 32`), the first being the key for new writes; only Development generates one.");
        }

        try
        {
            _ = CredentialKeyRing.Parse(options.Keys);
            return ValidateOptionsResult.Success;
        }
        catch (FormatException ex)
        {
            var source = options.DevelopmentKeyFile is null ? string.Empty : $" (read from {options.DevelopmentKeyFile})";
            return ValidateOptionsResult.Fail($"{CredentialKeysOptions.ConfigurationKey} is invalid{source}: {ex.Message}");
        }
    }
}
