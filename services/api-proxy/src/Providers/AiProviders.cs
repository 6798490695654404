using System.Net.Http.Headers;
using PocketCode.Accounts.Credentials;
using PocketCode.Platform.Secrets;

namespace PocketCode.ApiProxy.Providers;

/// <summary>The providers the proxy calls. Their names are also the credential kinds of users' own keys.</summary>
internal static class AiProviders
{
    public const string Gemini = CredentialKinds.Gemini;
    public const string OpenAi = CredentialKinds.OpenAi;

    public static string DisplayName(string provider) => provider == Gemini ? "Gemini" : "OpenAI-compatible";

    /// <summary>Puts the key where the provider expects it: <c>x-goog-api-key</c> for Gemini, a bearer token for OpenAI.</summary>
    public static void ApplyKey(HttpRequestMessage request, string provider, SecretString key)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        if (provider == Gemini)
        {
            request.Headers.TryAddWithoutValidation("x-goog-api-key", key.Reveal());
        }
        else
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key.Reveal());
        }
    }

    /// <summary>The provider URL of one call.</summary>
    public static Uri Endpoint(Uri baseUrl, string provider, string model, string method, bool stream)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        var root = baseUrl.AbsoluteUri.TrimEnd('/');
        return provider == Gemini
            ? new Uri($"{root}/v1beta/models/{model}:{method}{(stream ? "?alt=sse" : "")}")
            : new Uri(root + "/chat/completions");
    }
}
