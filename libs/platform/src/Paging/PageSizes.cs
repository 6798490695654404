using System.Globalization;

namespace PocketCode.Platform;

/// <summary>
/// The one page-size rule of every list and search endpoint (Google's AIP-158): no
/// <c>pageSize</c> gives the endpoint's default, a size above its maximum is coerced down to the
/// maximum, and a size below 1 is a 400 <c>validation_failed</c>. Page tokens are the storage
/// library's (<c>PageTokens</c>).
/// </summary>
public static class PageSizes
{
    public const string Field = "pageSize";

    public static int Resolve(int? requested, int defaultSize, int maxSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(defaultSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSize, defaultSize);
        return requested switch
        {
            null => defaultSize,
            < 1 => throw FieldErrors.Invalid(Field, string.Create(CultureInfo.InvariantCulture, $"pageSize must be between 1 and {maxSize}.")),
            var size => Math.Min(size.Value, maxSize),
        };
    }
}
