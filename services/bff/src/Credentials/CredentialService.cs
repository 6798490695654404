using System.Security.Cryptography.X509Certificates;
using PocketCode.Bff.Credentials.Keystores;
using PocketCode.Bff.Users;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;

namespace PocketCode.Bff.Credentials;

/// <summary>
/// Rules of the credentials API: validates each kind (a keystore must open with its passwords, a
/// Play key must be a service-account key) and stores it through <see cref="CredentialVault"/>,
/// always for the caller's own uid.
/// </summary>
internal sealed partial class CredentialService(
    CredentialVault vault,
    UserService users,
    KeystoreDownloads downloads,
    TimeProvider clock,
    ILogger<CredentialService> logger)
{
    public Task<CredentialResponse> PutGeminiAsync(ICurrentUser user, GeminiCredentialRequest request, CancellationToken cancellationToken)
    {
        var apiKey = CredentialRules.Token(request.ApiKey, "apiKey");
        return StoreAsync(user, CredentialKinds.Gemini, new() { [CredentialKinds.Fields.ApiKey] = apiKey }, [], cancellationToken);
    }

    public Task<CredentialResponse> PutOpenAiAsync(ICurrentUser user, OpenAiCredentialRequest request, CancellationToken cancellationToken)
    {
        var apiKey = CredentialRules.Token(request.ApiKey, "apiKey");
        var baseUrl = CredentialRules.HttpsBaseUrl(request.BaseUrl, "baseUrl");
        // The URL is encrypted with the key (so it cannot be redirected by editing the document)
        // and shown in the clear for the user to recognise.
        return StoreAsync(
            user,
            CredentialKinds.OpenAi,
            new() { [CredentialKinds.Fields.ApiKey] = apiKey, [CredentialKinds.Fields.BaseUrl] = baseUrl },
            new() { ["baseUrl"] = baseUrl },
            cancellationToken);
    }

    public Task<CredentialResponse> PutGitHubAsync(ICurrentUser user, GitHubCredentialRequest request, CancellationToken cancellationToken)
    {
        var token = CredentialRules.Token(request.Token, "token", maxLength: 512);
        return StoreAsync(user, CredentialKinds.GitHub, new() { [CredentialKinds.Fields.Token] = token }, new() { ["tokenType"] = GitHubTokenType(token) }, cancellationToken);
    }

    public Task<CredentialResponse> PutPlayAsync(ICurrentUser user, PlayCredentialRequest request, CancellationToken cancellationToken)
    {
        var info = PlayServiceAccount.Validate(request.ServiceAccountJson);
        return StoreAsync(
            user,
            CredentialKinds.Play,
            new() { [CredentialKinds.Fields.ServiceAccountJson] = request.ServiceAccountJson },
            new() { ["clientEmail"] = info.ClientEmail, ["projectId"] = info.ProjectId, ["privateKeyId"] = info.PrivateKeyId },
            cancellationToken);
    }

    public Task<CredentialResponse> PutKeystoreAsync(ICurrentUser user, KeystoreCredentialRequest request, CancellationToken cancellationToken)
    {
        var storePassword = CredentialRules.Password(request.StorePassword, "storePassword");
        var keyPassword = request.KeyPassword is null ? storePassword : CredentialRules.Password(request.KeyPassword, "keyPassword");
        var alias = CredentialRules.Text(request.Alias, "alias", CredentialRules.MaxAliasLength, required: true);
        var file = DecodeKeystore(request.Keystore);

        KeystoreInfo info;
        try
        {
            info = KeystoreInspector.Inspect(file, storePassword, alias, keyPassword);
        }
        catch (KeystoreValidationException ex)
        {
            throw FieldErrors.Invalid(ex.Field, ex.Message);
        }

        return StoreAsync(user, CredentialKinds.Keystore, KeystoreSecret(file, info, storePassword, keyPassword), KeystoreDetails(info, generated: false), cancellationToken);
    }

    /// <summary>
    /// Makes and stores a new upload keystore and a one-time download token, in one transaction.
    /// Refuses to replace a stored keystore unless <paramref name="replace"/> is set.
    /// </summary>
    public async Task<GeneratedKeystoreResponse> GenerateKeystoreAsync(ICurrentUser user, GenerateKeystoreRequest request, bool replace, CancellationToken cancellationToken)
    {
        var alias = CredentialRules.Text(request.Alias, "alias", CredentialRules.MaxAliasLength, required: true);
        if (!AliasPattern().IsMatch(alias))
        {
            throw FieldErrors.Invalid("alias", "alias must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.");
        }

        var subject = Subject(request);
        await users.GetOrCreateAsync(user, cancellationToken);
        if (!replace && await vault.FindAsync(user.Uid, CredentialKinds.Keystore, cancellationToken) is not null)
        {
            throw KeystoreExists();
        }

        var now = clock.GetUtcNow();
        var generated = KeystoreGenerator.Generate(alias, subject, now);
        var download = KeystoreDownloads.Prepare(user.Uid, now);
        CredentialSummary summary;
        try
        {
            summary = await vault.StoreAsync(
                user.Uid,
                CredentialKinds.Keystore,
                KeystoreSecret(generated.Pkcs12, generated.Info, generated.Password, generated.Password),
                KeystoreDetails(generated.Info, generated: true),
                new CredentialWriteOptions { ReplaceExisting = replace, AlsoInTransaction = download.Write },
                cancellationToken);
        }
        catch (CredentialAlreadyStoredException)
        {
            throw KeystoreExists();
        }

        LogStored(logger, CredentialKinds.Keystore, user.Uid, summary.Fingerprint);
        return new GeneratedKeystoreResponse(
            ToResponse(summary),
            download.Token,
            "/v1/me/credentials/keystore/download?token=" + download.Token,
            download.ExpiresAt);
    }

    public Task<KeystoreDownloadResponse> DownloadKeystoreAsync(ICurrentUser user, string? token, CancellationToken cancellationToken) =>
        downloads.RedeemAsync(user.Uid, token, cancellationToken);

    public async Task<CredentialListResponse> ListAsync(ICurrentUser user, CancellationToken cancellationToken)
    {
        var summaries = await vault.ListAsync(user.Uid, cancellationToken);
        return new CredentialListResponse(summaries.Select(ToResponse).ToList());
    }

    public async Task DeleteAsync(ICurrentUser user, string kind, CancellationToken cancellationToken)
    {
        kind = ResolveKind(kind);
        if (!await vault.DeleteAsync(user.Uid, kind, cancellationToken))
        {
            throw ProblemException.NotFound($"No '{kind}' credential is stored.");
        }

        LogDeleted(logger, kind, user.Uid);
    }

    /// <summary>The kind as stored (routes match case-insensitively, so must this); 400 for unknown kinds.</summary>
    public static string ResolveKind(string kind) =>
        CredentialKinds.All.FirstOrDefault(k => string.Equals(k, kind, StringComparison.OrdinalIgnoreCase))
        ?? throw FieldErrors.Invalid("kind", $"Unknown credential kind; use one of {string.Join(", ", CredentialKinds.All)}.");

    public static CredentialResponse ToResponse(CredentialSummary summary) => new(
        summary.Kind, summary.Fingerprint, summary.CreatedAt, summary.UpdatedAt, summary.Readable ? "ok" : "unreadable", summary.Details);

    private async Task<CredentialResponse> StoreAsync(
        ICurrentUser user, string kind, Dictionary<string, string> secret, Dictionary<string, object?> details, CancellationToken cancellationToken)
    {
        // The profile first, so the document a credential creates is a complete user document.
        await users.GetOrCreateAsync(user, cancellationToken);
        var summary = await vault.StoreAsync(user.Uid, kind, secret, details, cancellationToken: cancellationToken);
        LogStored(logger, kind, user.Uid, summary.Fingerprint);
        return ToResponse(summary);
    }

    private static byte[] DecodeKeystore(string? base64)
    {
        if (string.IsNullOrWhiteSpace(base64))
        {
            throw FieldErrors.Invalid("keystore", "keystore is required: the keystore file (PKCS12 or JKS) as base64.");
        }

        var buffer = new byte[(base64.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var length))
        {
            throw FieldErrors.Invalid("keystore", "keystore must be standard base64.");
        }

        if (length == 0 || length > CredentialRules.MaxKeystoreBytes)
        {
            throw FieldErrors.Invalid("keystore", $"The keystore file must be 1 to {CredentialRules.MaxKeystoreBytes} bytes.");
        }

        return buffer[..length];
    }

    private static Dictionary<string, string> KeystoreSecret(byte[] file, KeystoreInfo info, string storePassword, string keyPassword) => new()
    {
        [CredentialKinds.Fields.Keystore] = Convert.ToBase64String(file),
        [CredentialKinds.Fields.Format] = info.Format,
        [CredentialKinds.Fields.StorePassword] = storePassword,
        [CredentialKinds.Fields.Alias] = info.Alias,
        [CredentialKinds.Fields.KeyPassword] = keyPassword,
    };

    private static Dictionary<string, object?> KeystoreDetails(KeystoreInfo info, bool generated) => new()
    {
        ["format"] = info.Format,
        ["alias"] = info.Alias,
        ["certificateSha256"] = info.CertificateSha256,
        ["subject"] = info.Subject,
        ["notBefore"] = info.NotBefore,
        ["notAfter"] = info.NotAfter,
        ["keyAlgorithm"] = info.KeyAlgorithm,
        ["keySize"] = (long)info.KeySize,
        ["generated"] = generated,
    };

    private static X500DistinguishedName Subject(GenerateKeystoreRequest request)
    {
        // X.520 upper bounds are 64 characters for each of these.
        var commonName = CredentialRules.Text(request.CommonName, "commonName", 64, required: false);
        var unit = CredentialRules.Text(request.OrganizationalUnit, "organizationalUnit", 64, required: false);
        var organization = CredentialRules.Text(request.Organization, "organization", 64, required: false);
        var locality = CredentialRules.Text(request.Locality, "locality", 64, required: false);
        var state = CredentialRules.Text(request.State, "state", 64, required: false);
        var country = CredentialRules.Text(request.Country, "country", 2, required: false);
        if (country.Length > 0 && !(country.Length == 2 && country.All(char.IsAsciiLetterUpper)))
        {
            throw FieldErrors.Invalid("country", "country must be a two-letter ISO 3166 code in capitals, e.g. DE.");
        }

        // X500DistinguishedNameBuilder encodes in reverse order of addition; most specific first
        // gives the conventional "CN=..., OU=..., O=..., L=..., ST=..., C=..." that keytool shows.
        var builder = new X500DistinguishedNameBuilder();
        builder.AddCommonName(commonName.Length > 0 ? commonName : "Android upload key");
        if (unit.Length > 0)
        {
            builder.AddOrganizationalUnitName(unit);
        }

        if (organization.Length > 0)
        {
            builder.AddOrganizationName(organization);
        }

        if (locality.Length > 0)
        {
            builder.AddLocalityName(locality);
        }

        if (state.Length > 0)
        {
            builder.AddStateOrProvinceName(state);
        }

        if (country.Length > 0)
        {
            builder.AddCountryOrRegion(country);
        }

        return builder.Build();
    }

    private static string GitHubTokenType(string token) => token switch
    {
        _ when token.StartsWith("github_pat_", StringComparison.Ordinal) => "fine-grained",
        _ when token.StartsWith("ghp_", StringComparison.Ordinal) => "classic",
        _ when token.StartsWith("gho_", StringComparison.Ordinal) => "oauth",
        _ when token.StartsWith("ghu_", StringComparison.Ordinal) || token.StartsWith("ghs_", StringComparison.Ordinal) => "app",
        _ => "unknown",
    };

    private static ProblemException KeystoreExists() => ProblemException.Conflict(
        "A keystore is already stored. Replacing it loses the old upload key unless you kept a copy; to do so anyway, add ?replace=true.");

    [System.Text.RegularExpressions.GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial System.Text.RegularExpressions.Regex AliasPattern();

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored the {Kind} credential of user {Uid} (fingerprint {Fingerprint})")]
    private static partial void LogStored(ILogger logger, string kind, string uid, string fingerprint);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted the {Kind} credential of user {Uid}")]
    private static partial void LogDeleted(ILogger logger, string kind, string uid);
}
