using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Accounts.Credentials;
using PocketCode.Platform.Secrets;

namespace PocketCode.ApiProxy.Providers;

/// <summary>The <c>Providers</c> section: where each AI provider is and the platform's own key for it.</summary>
internal sealed class ProvidersOptions
{
    public const string SectionName = "Providers";

    /// <summary>Google Gemini (<c>Providers:Gemini:BaseUrl</c>; platform key <c>GEMINI_API_KEY</c>).</summary>
    public ProviderSettings Gemini { get; set; } = new() { BaseUrl = new Uri("https://generativelanguage.googleapis.com") };

    /// <summary>
    /// An OpenAI-compatible chat completions API (<c>Providers:OpenAi:BaseUrl</c>, the base that
    /// <c>/chat/completions</c> is appended to, as OpenAI's SDKs take it; platform key <c>OPENAI_API_KEY</c>).
    /// </summary>
    public ProviderSettings OpenAi { get; set; } = new() { BaseUrl = new Uri("https://api.openai.com/v1") };

    /// <summary>Copies the platform keys from their environment variables (Secret Manager values on Cloud Run).</summary>
    internal static void ReadPlatformKeys(ProvidersOptions options, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        options.Gemini.PlatformKey = Key(configuration["GEMINI_API_KEY"]);
        options.OpenAi.PlatformKey = Key(configuration["OPENAI_API_KEY"]);

        static SecretString? Key(string? value) => string.IsNullOrWhiteSpace(value) ? null : new SecretString(value.Trim());
    }
}

internal sealed class ProviderSettings
{
    public Uri? BaseUrl { get; set; }

    /// <summary>The platform key, or null when the provider is bring-your-own-key only. Never bound from a section.</summary>
    internal SecretString? PlatformKey { get; set; }
}

internal sealed class ProvidersOptionsValidator : IValidateOptions<ProvidersOptions>
{
    public ValidateOptionsResult Validate(string? name, ProvidersOptions options)
    {
        var failures = new OptionsFailures(ProvidersOptions.SectionName);
        Check(options.Gemini.BaseUrl, "Providers:Gemini:BaseUrl", failures);
        Check(options.OpenAi.BaseUrl, "Providers:OpenAi:BaseUrl", failures);
        return failures.Result();
    }

    private static void Check(Uri? url, string key, OptionsFailures failures)
    {
        if (url is null || !url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(url.Query))
        {
            failures.Add($"{key} must be an absolute http(s) URL without a query (e.g. https://generativelanguage.googleapis.com).");
        }
    }
}
