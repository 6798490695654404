using System.Net;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>How Firebase ID tokens are validated. Bound from the <c>Auth</c> section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>Environment variable that switches on emulator mode (unsigned tokens), as in the Firebase Admin SDKs.</summary>
    public const string EmulatorHostKey = "FIREBASE_AUTH_EMULATOR_HOST";

    public const string GoogleIssuerBaseUrl = "https://securetoken.google.com";

    /// <summary>
    /// Issuer is <c>{IssuerBaseUrl}/{projectId}</c>; its OpenID configuration (and so the signing
    /// keys) is fetched from <c>{IssuerBaseUrl}/{projectId}/.well-known/openid-configuration</c>.
    /// Only tests change it, to a loopback issuer that serves their own keys.
    /// </summary>
    public string IssuerBaseUrl { get; set; } = GoogleIssuerBaseUrl;

    /// <summary>Tolerance for clock drift when checking <c>exp</c>; Firebase tokens live one hour.</summary>
    public int ClockSkewSeconds { get; set; } = 30;

    /// <summary>
    /// How many validated tokens each instance remembers until they expire (<see cref="ValidatedTokenCache"/>);
    /// 0 validates every request's token in full.
    /// </summary>
    public int ValidatedTokenCacheSize { get; set; } = 10_000;

    /// <summary>Set from <see cref="EmulatorHostKey"/>; non-empty means emulator mode.</summary>
    public string? EmulatorHost { get; set; }

    public string Issuer(string projectId) => $"{IssuerBaseUrl.TrimEnd('/')}/{projectId}";

    /// <summary>Unsigned emulator-format tokens are accepted with the emulator, and in Development (dev tokens).</summary>
    public bool AcceptsUnsignedTokens(IHostEnvironment environment) =>
        !string.IsNullOrWhiteSpace(EmulatorHost) || environment.IsDevelopment();

    /// <summary>The one check that must hold before anything is built: never emulator mode in Production.</summary>
    internal static string? EmulatorRefusal(string? emulatorHost, IHostEnvironment environment) =>
        !string.IsNullOrWhiteSpace(emulatorHost) && environment.IsProduction()
            ? $"{EmulatorHostKey} is set ('{emulatorHost}') but the environment is Production. Emulator mode accepts unsigned " +
              $"tokens that anyone can forge, so the service refuses to start: unset {EmulatorHostKey}, or run with " +
              "ASPNETCORE_ENVIRONMENT=Development (or another non-production environment) for emulator tests."
            : null;

    internal static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && IPAddress.IsLoopback(ip));
}

internal sealed class AuthOptionsValidator(IHostEnvironment environment) : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (AuthOptions.EmulatorRefusal(options.EmulatorHost, environment) is { } refusal)
        {
            failures.Add(refusal);
        }

        if (!Uri.TryCreate(options.IssuerBaseUrl, UriKind.Absolute, out var issuer)
            || (issuer.Scheme != Uri.UriSchemeHttps && issuer.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{AuthOptions.SectionName}:{nameof(AuthOptions.IssuerBaseUrl)} '{options.IssuerBaseUrl}' is not an absolute http(s) URL.");
        }
        else if (issuer.Scheme == Uri.UriSchemeHttp && !AuthOptions.IsLoopback(issuer))
        {
            failures.Add($"{AuthOptions.SectionName}:{nameof(AuthOptions.IssuerBaseUrl)} '{options.IssuerBaseUrl}' must use https; " +
                "plain http is allowed only for a loopback test issuer (127.0.0.1, [::1] or localhost).");
        }

        if (options.ClockSkewSeconds is < 0 or > 300)
        {
            failures.Add($"{AuthOptions.SectionName}:{nameof(AuthOptions.ClockSkewSeconds)} must be between 0 and 300 (it is {options.ClockSkewSeconds}).");
        }

        if (options.ValidatedTokenCacheSize is < 0 or > 1_000_000)
        {
            failures.Add($"{AuthOptions.SectionName}:{nameof(AuthOptions.ValidatedTokenCacheSize)} must be between 0 (off) and 1000000 (it is {options.ValidatedTokenCacheSize}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
