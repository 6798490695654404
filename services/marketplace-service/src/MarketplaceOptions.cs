using Microsoft.Extensions.Options;
using PocketCode.Archives;
using PocketCode.Platform;

namespace PocketCode.Marketplace;

/// <summary>Limits of the marketplace, bound from the <c>Marketplace</c> section.</summary>
internal sealed class MarketplaceOptions
{
    public const string SectionName = "Marketplace";

    /// <summary>Largest version zip (compressed bytes).</summary>
    public long MaxZipBytes { get; set; } = 50 * 1024 * 1024;

    public int MaxZipEntries { get; set; } = 2000;

    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    public long MaxUncompressedBytes { get; set; } = 100 * 1024 * 1024;

    public double MaxCompressionRatio { get; set; } = 100;

    public long CompressionRatioGraceBytes { get; set; } = 64 * 1024;

    /// <summary>How long a signed upload URL for a version's zip is valid.</summary>
    public TimeSpan UploadUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a signed download URL is valid.</summary>
    public TimeSpan DownloadUrlLifetime { get; set; } = TimeSpan.FromMinutes(5);

    public int DefaultPageSize { get; set; } = 20;

    public int MaxPageSize { get; set; } = 50;

    public ZipLimits ZipLimits() => new()
    {
        MaxEntries = MaxZipEntries,
        MaxFileBytes = MaxFileBytes,
        MaxUncompressedBytes = MaxUncompressedBytes,
        MaxCompressionRatio = MaxCompressionRatio,
        CompressionRatioGraceBytes = CompressionRatioGraceBytes,
    };
}

internal sealed class MarketplaceOptionsValidator : IValidateOptions<MarketplaceOptions>
{
    public ValidateOptionsResult Validate(string? name, MarketplaceOptions options)
    {
        return new OptionsFailures(MarketplaceOptions.SectionName)
            .Positive(nameof(options.MaxZipBytes), options.MaxZipBytes)
            .Positive(nameof(options.MaxZipEntries), options.MaxZipEntries)
            .Positive(nameof(options.MaxFileBytes), options.MaxFileBytes)
            .Positive(nameof(options.MaxUncompressedBytes), options.MaxUncompressedBytes)
            .Positive(nameof(options.MaxCompressionRatio), options.MaxCompressionRatio)
            .Positive(nameof(options.DefaultPageSize), options.DefaultPageSize)
            .Positive(nameof(options.UploadUrlLifetime), options.UploadUrlLifetime)
            .Positive(nameof(options.DownloadUrlLifetime), options.DownloadUrlLifetime)
            .NotNegative(nameof(options.CompressionRatioGraceBytes), options.CompressionRatioGraceBytes)
            .AtLeast(nameof(options.MaxPageSize), options.MaxPageSize, nameof(options.DefaultPageSize), options.DefaultPageSize)
            .Check(options.UploadUrlLifetime <= TimeSpan.FromDays(7) && options.DownloadUrlLifetime <= TimeSpan.FromDays(7),
                $"{MarketplaceOptions.SectionName}: signed URL lifetimes are at most 7 days.")
            .Result();
    }
}

internal static class MarketplaceOptionsRegistration
{
    /// <summary>Binds and validates the <c>Marketplace</c> section once, for every feature that reads it.</summary>
    public static IServiceCollection AddMarketplaceOptions(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(IValidateOptions<MarketplaceOptions>)))
        {
            return services;
        }

        services.AddOptions<MarketplaceOptions>().BindConfiguration(MarketplaceOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MarketplaceOptions>, MarketplaceOptionsValidator>();
        return services;
    }

    /// <summary>The page size of a list or search request (the platform's one rule, this service's limits).</summary>
    public static int PageSize(this MarketplaceOptions options, int? requested) =>
        PocketCode.Platform.PageSizes.Resolve(requested, options.DefaultPageSize, options.MaxPageSize);
}
