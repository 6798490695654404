using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.Projects;

/// <summary>Limits and settings of projects, source files and archives. Bound from the <c>Projects</c> section.</summary>
internal sealed class ProjectsOptions
{
    public const string SectionName = "Projects";

    /// <summary>Largest source file a PUT accepts (bytes); also the per-entry limit of an imported archive.</summary>
    public long MaxFileBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Largest zip upload (compressed bytes) <c>POST .../archive</c> accepts.</summary>
    public long MaxArchiveBytes { get; set; } = 50 * 1024 * 1024;

    /// <summary>Most entries (files and folders) an imported zip may hold.</summary>
    public int MaxArchiveEntries { get; set; } = 2000;

    /// <summary>Most bytes all entries of an imported zip may expand to together.</summary>
    public long MaxArchiveUncompressedBytes { get; set; } = 100 * 1024 * 1024;

    /// <summary>
    /// Highest uncompressed/compressed ratio of one entry, checked while it inflates once it has
    /// produced <see cref="CompressionRatioGraceBytes"/>; source code compresses 3-10x, zip bombs 1000x.
    /// </summary>
    public double MaxCompressionRatio { get; set; } = 100;

    /// <summary>Output below this size is never judged by its ratio (tiny files of spaces compress very well).</summary>
    public long CompressionRatioGraceBytes { get; set; } = 64 * 1024;

    /// <summary>Largest JSON body of the project and move endpoints.</summary>
    public long MaxJsonBodyBytes { get; set; } = 64 * 1024;

    public int DefaultPageSize { get; set; } = 20;

    public int MaxPageSize { get; set; } = 100;

    /// <summary>How long an <c>Idempotency-Key</c> of a create is remembered.</summary>
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a create holding an idempotency key may run before a retry may take it over
    /// (a create that crashed half-way must not block its key forever).
    /// </summary>
    public TimeSpan IdempotencyLease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a retry waits for a concurrent create with the same key before answering 409.</summary>
    public TimeSpan IdempotencyWait { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Folder holding one subfolder per starter template; default: <c>templates</c> next to the service.</summary>
    public string? TemplatesPath { get; set; }

    /// <summary>The archive limits in the shared zip checker's terms.</summary>
    public PocketCode.Archives.ZipLimits ArchiveLimits() => new()
    {
        MaxEntries = MaxArchiveEntries,
        MaxFileBytes = MaxFileBytes,
        MaxUncompressedBytes = MaxArchiveUncompressedBytes,
        MaxCompressionRatio = MaxCompressionRatio,
        CompressionRatioGraceBytes = CompressionRatioGraceBytes,
    };

    public string ResolveTemplatesPath() =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(TemplatesPath) ? Path.Combine(AppContext.BaseDirectory, "templates") : TemplatesPath);
}

internal sealed class ProjectsOptionsValidator : IValidateOptions<ProjectsOptions>
{
    public ValidateOptionsResult Validate(string? name, ProjectsOptions options)
    {
        var templates = options.ResolveTemplatesPath();
        return new OptionsFailures(ProjectsOptions.SectionName)
            .Positive(nameof(options.MaxFileBytes), options.MaxFileBytes)
            .Positive(nameof(options.MaxArchiveBytes), options.MaxArchiveBytes)
            .Positive(nameof(options.MaxArchiveEntries), options.MaxArchiveEntries)
            .Positive(nameof(options.MaxArchiveUncompressedBytes), options.MaxArchiveUncompressedBytes)
            .Positive(nameof(options.MaxCompressionRatio), options.MaxCompressionRatio)
            .Positive(nameof(options.MaxJsonBodyBytes), options.MaxJsonBodyBytes)
            .Positive(nameof(options.DefaultPageSize), options.DefaultPageSize)
            .Positive(nameof(options.IdempotencyKeyLifetime), options.IdempotencyKeyLifetime)
            .Positive(nameof(options.IdempotencyLease), options.IdempotencyLease)
            .Positive(nameof(options.IdempotencyWait), options.IdempotencyWait)
            .NotNegative(nameof(options.CompressionRatioGraceBytes), options.CompressionRatioGraceBytes)
            .AtLeast(nameof(options.MaxPageSize), options.MaxPageSize, nameof(options.DefaultPageSize), options.DefaultPageSize)
            .Check(Directory.Exists(templates), $"The starter templates folder '{templates}' does not exist (set {ProjectsOptions.SectionName}:{nameof(options.TemplatesPath)} or ship services/bff/templates with the service).")
            .Result();
    }
}
