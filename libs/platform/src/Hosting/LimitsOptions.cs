using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>Request limits. Bound from the <c>Limits</c> section.</summary>
public sealed class LimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>
    /// Largest request body Kestrel accepts (bytes). Endpoints that take more (uploads) raise it
    /// with <c>.WithMetadata(new RequestSizeLimitAttribute(n))</c> or <c>DisableRequestSizeLimit</c>.
    /// </summary>
    public long MaxRequestBodyBytes { get; set; } = 10 * 1024 * 1024;
}

internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options) =>
        options.MaxRequestBodyBytes > 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"{LimitsOptions.SectionName}:{nameof(LimitsOptions.MaxRequestBodyBytes)} must be a positive number of bytes (it is {options.MaxRequestBodyBytes}).");
}
