using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>
/// Per-caller rate limits on every route (token buckets): a signed-in caller is limited by uid, an
/// anonymous one by client address. Bound from the <c>RateLimits</c> section. Health probes are exempt.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "RateLimits";

    public bool Enabled { get; set; } = true;

    /// <summary>Requests a signed-in user may send in a burst.</summary>
    public int UserBurst { get; set; } = 600;

    /// <summary>Requests per second a signed-in user's bucket refills with.</summary>
    public int UserPerSecond { get; set; } = 20;

    /// <summary>Requests an anonymous client address may send in a burst.</summary>
    public int AnonymousBurst { get; set; } = 120;

    /// <summary>Requests per second an anonymous client address's bucket refills with.</summary>
    public int AnonymousPerSecond { get; set; } = 4;
}

internal sealed class RateLimitOptionsValidator : IValidateOptions<RateLimitOptions>
{
    public ValidateOptionsResult Validate(string? name, RateLimitOptions options)
    {
        var errors = new List<string>();
        Positive(nameof(RateLimitOptions.UserBurst), options.UserBurst);
        Positive(nameof(RateLimitOptions.UserPerSecond), options.UserPerSecond);
        Positive(nameof(RateLimitOptions.AnonymousBurst), options.AnonymousBurst);
        Positive(nameof(RateLimitOptions.AnonymousPerSecond), options.AnonymousPerSecond);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);

        void Positive(string key, int value)
        {
            if (value <= 0)
            {
                errors.Add($"{RateLimitOptions.SectionName}:{key} must be a positive number (it is {value}).");
            }
        }
    }
}

/// <summary>
/// Origins a browser may call the services from (a future web console). Bound from the <c>Cors</c>
/// section; empty (the default) sends no CORS headers, so browsers refuse every cross-origin call.
/// The mobile app is not a browser and needs none.
/// </summary>
public sealed class CorsSettings
{
    public const string SectionName = "Cors";

    public string[] AllowedOrigins { get; set; } = [];
}

internal sealed class CorsSettingsValidator : IValidateOptions<CorsSettings>
{
    public ValidateOptionsResult Validate(string? name, CorsSettings options)
    {
        foreach (var origin in options.AllowedOrigins)
        {
            if (origin == "*"
                || !Uri.TryCreate(origin, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
                || uri.GetLeftPart(UriPartial.Authority) != origin.TrimEnd('/'))
            {
                return ValidateOptionsResult.Fail(
                    $"{CorsSettings.SectionName}:{nameof(CorsSettings.AllowedOrigins)} '{origin}' is not an origin: expected https://host[:port] (http only on loopback), no path and no wildcard.");
            }
        }

        return ValidateOptionsResult.Success;
    }
}
