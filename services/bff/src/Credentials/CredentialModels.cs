using System.Text.Json.Serialization;

namespace PocketCode.Bff.Credentials;

// Request bodies reject members they do not define: a typo must not silently drop a field.

/// <summary><c>PUT /v1/me/credentials/gemini</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record GeminiCredentialRequest(string ApiKey);

/// <summary><c>PUT /v1/me/credentials/openai</c>: an OpenAI-compatible provider's key and https base URL (e.g. <c>https://api.openai.com/v1</c>).</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record OpenAiCredentialRequest(string ApiKey, string BaseUrl);

/// <summary><c>PUT /v1/me/credentials/github</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record GitHubCredentialRequest(string Token);

/// <summary><c>PUT /v1/me/credentials/play</c>: the service-account key file's JSON text, as downloaded from Google Cloud.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record PlayCredentialRequest(string ServiceAccountJson);

/// <summary>
/// <c>PUT /v1/me/credentials/keystore</c>: the keystore file (PKCS12 or JKS) as base64, its store
/// password, the alias of the upload key and that key's password (default: the store password).
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record KeystoreCredentialRequest(string Keystore, string StorePassword, string Alias, string? KeyPassword = null);

/// <summary><c>POST /v1/me/credentials/keystore:generate</c>: alias and optional certificate subject fields.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
internal sealed record GenerateKeystoreRequest(
    string Alias,
    string? CommonName = null,
    string? OrganizationalUnit = null,
    string? Organization = null,
    string? Locality = null,
    string? State = null,
    string? Country = null);

/// <summary>A stored credential as shown to its owner: never the secret.</summary>
/// <param name="Status"><c>ok</c>, or <c>unreadable</c> when it no longer decrypts (store it again).</param>
/// <param name="Details">Non-secret descriptors: keystore alias and certificate, service-account e-mail, base URL.</param>
internal sealed record CredentialResponse(
    string Kind,
    string Fingerprint,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string Status,
    IReadOnlyDictionary<string, object?> Details);

internal sealed record CredentialListResponse(IReadOnlyList<CredentialResponse> Items);

/// <summary>Answer of the keystore generator: the stored credential and a one-time download token.</summary>
internal sealed record GeneratedKeystoreResponse(CredentialResponse Credential, string DownloadToken, string DownloadUrl, DateTimeOffset DownloadExpiresAt);

/// <summary>
/// The one-time download of a generated keystore: the PKCS12 file (base64) and its passwords.
/// The only response that carries secrets; the user must keep them, as losing an upload key
/// means asking Google Play for a reset.
/// </summary>
internal sealed record KeystoreDownloadResponse(string FileName, string Format, string Keystore, string Alias, string StorePassword, string KeyPassword)
{
    public override string ToString() => $"KeystoreDownloadResponse({FileName}, {Alias})";
}
