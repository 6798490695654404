using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PocketCode.Accounts.Credentials;
using PocketCode.Testing;

namespace PocketCode.Accounts.Tests.Credentials;

/// <summary>Start-up behaviour of CREDENTIALS_KEYS in a real generic host.</summary>
public sealed class CredentialKeysOptionsTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("pocketcode-keys-").FullName;

    [Theory]
    [InlineData("Production", null)]
    [InlineData("Staging", "")]
    [InlineData("Production", "k1:tooshort")]
    [InlineData("Development", "k1:tooshort")]
    public async Task A_missing_or_invalid_value_outside_development_or_an_invalid_one_anywhere_stops_start_up(string environment, string? value)
    {
        using var host = Build(environment, value, new LogCapture());

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(CredentialKeysOptions.ConfigurationKey, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tooshort", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_valid_value_starts_and_its_first_key_encrypts()
    {
        using var host = Build("Production", $"{SecretsTestKeys.RandomEntry("live")},{SecretsTestKeys.RandomEntry("old")}", new LogCapture());

        await host.StartAsync(Ct);

        Assert.Equal("live", host.Services.GetRequiredService<CredentialKeyRing>().CurrentKeyId);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Development_without_a_value_generates_one_key_persists_it_and_warns_without_it()
    {
        var logs = new LogCapture();
        string firstKeys;
        using (var first = Build("Development", null, logs))
        {
            await first.StartAsync(Ct);
            firstKeys = first.Services.GetRequiredService<IOptions<CredentialKeysOptions>>().Value.Keys!;
            await first.StopAsync(Ct);
        }

        var file = Path.Combine(_dataDirectory, CredentialKeysOptions.DevelopmentKeyFileName);
        Assert.Equal(firstKeys, (await File.ReadAllTextAsync(file, Ct)).Trim());
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        var warning = Assert.Single(logs.Lines, line => line.Contains($" {LogLevel.Warning}: ", StringComparison.Ordinal) && line.Contains(CredentialKeysOptions.ConfigurationKey, StringComparison.Ordinal));
        Assert.DoesNotContain(firstKeys.Split(':')[1], warning, StringComparison.Ordinal);

        // A restart decrypts what the first run encrypted.
        var encrypted = new CredentialCipher(CredentialKeyRing.Parse(firstKeys)).Encrypt("alice", "gemini", "{}"u8);
        using var second = Build("Development", null, new LogCapture());
        await second.StartAsync(Ct);
        Assert.Equal("{}"u8.ToArray(), second.Services.GetRequiredService<CredentialCipher>().Decrypt("alice", "gemini", encrypted));
        await second.StopAsync(Ct);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private IHost Build(string environment, string? keys, LogCapture logs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [CredentialKeysOptions.ConfigurationKey] = keys,
            ["POCKETCODE_DATA_DIR"] = _dataDirectory,
        });
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddProblemDetails();
        builder.Services.AddCredentialVault();
        return builder.Build();
    }
}
