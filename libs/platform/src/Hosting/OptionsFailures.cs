using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>
/// What an options validator found wrong, each message naming the setting as it is configured
/// (<c>Section:Key</c>), so start-up fails with every bad setting at once. The one helper of every
/// service's <see cref="IValidateOptions{TOptions}"/>.
/// </summary>
public sealed class OptionsFailures(string section)
{
    private readonly List<string> _failures = [];

    /// <summary>The full name of a setting of this section.</summary>
    public string Name(string key) => section + ":" + key;

    public OptionsFailures Positive(string key, double value) =>
        Check(value > 0, $"{Name(key)} must be positive.");

    public OptionsFailures Positive(string key, TimeSpan value) => Positive(key, value.TotalSeconds);

    public OptionsFailures NotNegative(string key, double value) =>
        Check(value >= 0, $"{Name(key)} cannot be negative.");

    /// <summary><paramref name="key"/> must not be below <paramref name="lowerKey"/> (e.g. a maximum and its default).</summary>
    public OptionsFailures AtLeast(string key, double value, string lowerKey, double lower) =>
        Check(value >= lower, $"{Name(key)} must be at least {lowerKey}.");

    /// <summary>Records a failure.</summary>
    public OptionsFailures Add(string message) => Check(false, message);

    /// <summary>The setting must be an absolute https URL (plain http only on loopback, for tests and local runs).</summary>
    public OptionsFailures HttpsUrl(string key, Uri? value) =>
        Check(
            value is { IsAbsoluteUri: true } && (value.Scheme == Uri.UriSchemeHttps || (value.Scheme == Uri.UriSchemeHttp && value.IsLoopback)),
            $"{Name(key)} must be an https URL (plain http only on loopback).");

    /// <summary>Records <paramref name="message"/> unless <paramref name="ok"/>.</summary>
    public OptionsFailures Check(bool ok, string message)
    {
        if (!ok)
        {
            _failures.Add(message);
        }

        return this;
    }

    public ValidateOptionsResult Result() =>
        _failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(_failures);
}
