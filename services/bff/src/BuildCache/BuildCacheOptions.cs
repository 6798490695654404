using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.BuildCache;

/// <summary>The <c>BuildCache</c> section (see README, "Build cache").</summary>
internal sealed class BuildCacheOptions
{
    public const string SectionName = "BuildCache";

    /// <summary>Least bytes of the HMAC key: RFC 2104 discourages keys shorter than the hash's output (32 bytes for SHA-256).</summary>
    public const int MinSigningKeyBytes = 32;

    /// <summary>
    /// Base64 of the HMAC key that signs the workflow's cache credentials (Secret Manager secret
    /// <c>build-cache-signing-key</c> in production). Without it the cache is off: the session
    /// endpoint answers 503 and the workflow builds without a remote cache.
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// Largest entry a build may store. The default stays under Cloud Run's 32 MiB limit on HTTP/1
    /// request bodies (cloud.google.com/run/quotas as quoted in zhaofengli/attic issue 122 and
    /// simonw/datasette issue 749, read 2026-12-08); Gradle treats the 413 above
    /// it as "not stored" and goes on.
    /// </summary>
    public long MaxEntryBytes { get; set; } = 30 * 1024 * 1024;

    /// <summary>
    /// How long a cache credential lives: a GitHub-hosted job runs at most 6 hours
    /// (docs.github.com, "About billing for GitHub Actions", usage limits: "Each job in a workflow
    /// can run for up to 6 hours of execution time", read 2026-12-08), so one login covers the build.
    /// </summary>
    public TimeSpan CredentialLifetime { get; set; } = TimeSpan.FromHours(6);

    public bool Enabled => !string.IsNullOrWhiteSpace(SigningKey);

    /// <summary>The decoded key; only called when <see cref="Enabled"/> and validated.</summary>
    public byte[] SigningKeyBytes() => BuildCacheRules.FromBase64(SigningKey!)!;
}

internal sealed class BuildCacheOptionsValidator : IValidateOptions<BuildCacheOptions>
{
    public ValidateOptionsResult Validate(string? name, BuildCacheOptions options)
    {
        var failures = new OptionsFailures(BuildCacheOptions.SectionName);
        failures.Positive(nameof(options.MaxEntryBytes), options.MaxEntryBytes)
            .Positive(nameof(options.CredentialLifetime), options.CredentialLifetime)
            .Check(options.CredentialLifetime <= TimeSpan.FromDays(1), $"{failures.Name(nameof(options.CredentialLifetime))} must be at most one day: a credential outliving its build only widens what a leak exposes.");
        if (options.Enabled)
        {
            // The key's value never goes into the message: start-up failures are logged.
            failures.Check(
                BuildCacheRules.FromBase64(options.SigningKey!) is { Length: >= BuildCacheOptions.MinSigningKeyBytes },
                $"{failures.Name(nameof(options.SigningKey))} must be the base64 of at least {BuildCacheOptions.MinSigningKeyBytes} random bytes (openssl rand -base64 32).");
        }

        return failures.Result();
    }
}
