using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Platform.Secrets;

namespace PocketCode.ApiProxy.Providers;

/// <summary>The key and address a call uses, and whether the key is the user's own (then the platform budget does not apply).</summary>
internal sealed record ResolvedKey(string Provider, SecretString Key, bool OwnKey, Uri BaseUrl);

/// <summary>
/// Picks the key of a call: the user's own key for the provider from the credentials vault
/// (decrypted in memory only), else the platform key, else a 403 <c>ai_key_missing</c> problem.
/// </summary>
internal sealed class KeyResolver(CredentialVault vault, IOptions<ProvidersOptions> providers, IMemoryCache memory, IOptions<Proxy.ProxyOptions> proxy)
{
    public const string KeyMissingCode = "ai_key_missing";

    public async Task<ResolvedKey> ResolveAsync(string uid, string provider, CancellationToken cancellationToken)
    {
        var settings = provider == AiProviders.Gemini ? providers.Value.Gemini : providers.Value.OpenAi;
        var own = await OwnKeyAsync(uid, provider, cancellationToken);
        if (own is not null)
        {
            return own;
        }

        if (settings.PlatformKey is { } platform)
        {
            return new ResolvedKey(provider, platform, OwnKey: false, settings.BaseUrl!);
        }

        throw new ProblemException(403, KeyMissingCode, provider == AiProviders.Gemini
            ? "No Gemini API key is available: store your own with PUT /v1/me/credentials/gemini (this deployment has no platform key for Gemini)."
            : "No OpenAI-compatible API key is available: store your own with PUT /v1/me/credentials/openai (this deployment has no platform key for it).");
    }

    private async Task<ResolvedKey?> OwnKeyAsync(string uid, string provider, CancellationToken cancellationToken)
    {
        // A short in-memory cache keeps the vault read (and the decryption) off most calls; a key
        // stored or deleted through the BFF takes effect within Proxy:KeyCacheTtl.
        var ttl = proxy.Value.KeyCacheTtl;
        var cacheKey = (Owner: "own-key", uid, provider);
        if (ttl > TimeSpan.Zero && memory.TryGetValue(cacheKey, out ResolvedKey? cached))
        {
            return cached;
        }

        var secret = await vault.GetSecretAsync(uid, provider, cancellationToken);
        ResolvedKey? resolved = null;
        if (secret is not null && secret.Fields.TryGetValue(CredentialKinds.Fields.ApiKey, out var key) && key.Length > 0)
        {
            var baseUrl = provider == AiProviders.OpenAi
                && secret.Fields.TryGetValue(CredentialKinds.Fields.BaseUrl, out var url)
                && Uri.TryCreate(url.Reveal(), UriKind.Absolute, out var parsed)
                    ? parsed
                    : (provider == AiProviders.Gemini ? providers.Value.Gemini.BaseUrl! : providers.Value.OpenAi.BaseUrl!);
            resolved = new ResolvedKey(provider, key, OwnKey: true, baseUrl);
        }

        if (ttl > TimeSpan.Zero)
        {
            memory.Set(cacheKey, resolved, ttl);
        }

        return resolved;
    }
}
