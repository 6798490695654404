using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Accounts.Credentials;

/// <summary>Problem codes of credential failures (in addition to <see cref="ProblemCodes"/>).</summary>
public static class CredentialProblemCodes
{
    /// <summary>A stored credential no longer decrypts (tampered, moved, or its key was retired); store it again.</summary>
    public const string CredentialUnreadable = "credential_unreadable";
}

public static class CredentialsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="CredentialVault"/>, its cipher and key ring from <c>CREDENTIALS_KEYS</c>
    /// (validated at start-up), and maps <see cref="CredentialDecryptionException"/> to a 409
    /// <c>credential_unreadable</c> problem. Needs an <c>IDocumentStore</c> (AddPocketCodeStorage).
    /// </summary>
    public static IServiceCollection AddCredentialVault(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<CredentialKeysOptions>()
            .Configure<IConfiguration, IHostEnvironment, DevelopmentCredentialKeys>(CredentialKeysOptions.Configure)
            .ValidateOnStart();
        services.AddAheadOfTimeOptions<CredentialKeysOptions>();
        services.TryAddSingleton<DevelopmentCredentialKeys>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CredentialKeysOptions>, CredentialKeysOptionsValidator>());
        services.TryAddSingleton(sp => CredentialKeyRing.Parse(sp.GetRequiredService<IOptions<CredentialKeysOptions>>().Value.Keys));
        services.TryAddSingleton<CredentialCipher>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CredentialVault>();
        services.AddProblemMapping<CredentialDecryptionException>(e => new ProblemException(
            409, CredentialProblemCodes.CredentialUnreadable, $"{e.Message} Store the credential again."));
        return services;
    }
}
