using Microsoft.Extensions.Options;

namespace PocketCode.Bff.Home;

/// <summary>The <c>Home</c> section.</summary>
internal sealed class HomeOptions
{
    public const string SectionName = "Home";

    /// <summary>
    /// How long the home screen waits for marketplace highlights (<c>Home:MarketplaceTimeout</c>)
    /// before showing the rest without them. Short: highlights are garnish, the screen is not.
    /// </summary>
    public TimeSpan MarketplaceTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

internal sealed class HomeOptionsValidator : IValidateOptions<HomeOptions>
{
    public ValidateOptionsResult Validate(string? name, HomeOptions options) =>
        options.MarketplaceTimeout > TimeSpan.Zero && options.MarketplaceTimeout <= TimeSpan.FromSeconds(30)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail("Home:MarketplaceTimeout must be between 0 and 30 seconds (e.g. 00:00:02).");
}
