using Microsoft.Extensions.Options;
using PocketCode.Platform;

namespace PocketCode.Bff.Builds;

/// <summary>The <c>Builds</c> section (see README, "Builds").</summary>
internal sealed class BuildsOptions
{
    public const string SectionName = "Builds";

    /// <summary>GitHub's REST API (Octokit's base address).</summary>
    public Uri GitHubApiUrl { get; set; } = new("https://api.github.com");

    /// <summary>Where repositories are pushed: <c>{base}/{owner}/{name}.git</c>. Tests use a folder of bare repositories.</summary>
    public string GitRemoteBaseUrl { get; set; } = "https://github.com";

    /// <summary>The issuer of the workflow's OIDC tokens; its keys come from its OpenID configuration.</summary>
    public Uri OidcIssuer { get; set; } = new("https://token.actions.githubusercontent.com");

    /// <summary>
    /// The BFF's public base URL: the workflow calls back to it. Defaults to <c>PUBLIC_BASE_URL</c>.
    /// Outside Development a missing value stops start-up.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>The audience the workflow's OIDC tokens must carry; defaults to <see cref="PublicBaseUrl"/>.</summary>
    public string? Audience { get; set; }

    /// <summary>HMAC secret of the GitHub webhooks (<c>GITHUB_WEBHOOK_SECRET</c>); without it the webhook endpoint answers 503.</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Folder of the workflow template; default <c>user-project-template</c> next to the service.</summary>
    public string? TemplatePath { get; set; }

    /// <summary>How often the SSE stream re-reads the build document.</summary>
    public TimeSpan EventsPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long the signed artifact URLs (upload and download) live.</summary>
    public TimeSpan ArtifactUrlLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How long a webhook delivery id is remembered (duplicates within it are ignored).</summary>
    public TimeSpan WebhookDeliveryLifetime { get; set; } = TimeSpan.FromDays(3);

    public int DefaultPageSize { get; set; } = 20;

    public int MaxPageSize { get; set; } = 100;

    public string ResolveTemplatePath() =>
        Path.GetFullPath(string.IsNullOrWhiteSpace(TemplatePath) ? Path.Combine(AppContext.BaseDirectory, "user-project-template") : TemplatePath);

    public string ResolveAudience() => !string.IsNullOrWhiteSpace(Audience) ? Audience : PublicBaseUrl?.ToString().TrimEnd('/') ?? string.Empty;

    public string ResolvePublicBaseUrl() => PublicBaseUrl?.ToString().TrimEnd('/') ?? string.Empty;
}

/// <summary>Fills defaults from the flat environment variables the README documents.</summary>
internal sealed class BuildsOptionsSetup(IConfiguration configuration) : IConfigureOptions<BuildsOptions>
{
    public void Configure(BuildsOptions options)
    {
        if (options.PublicBaseUrl is null && Uri.TryCreate(configuration["PUBLIC_BASE_URL"], UriKind.Absolute, out var publicBase))
        {
            options.PublicBaseUrl = publicBase;
        }

        if (string.IsNullOrEmpty(options.WebhookSecret) && configuration["GITHUB_WEBHOOK_SECRET"] is { Length: > 0 } secret)
        {
            options.WebhookSecret = secret;
        }
    }
}

internal sealed class BuildsOptionsValidator(IHostEnvironment environment) : IValidateOptions<BuildsOptions>
{
    public ValidateOptionsResult Validate(string? name, BuildsOptions options)
    {
        var failures = new OptionsFailures(BuildsOptions.SectionName);
        failures.HttpsUrl(nameof(options.GitHubApiUrl), options.GitHubApiUrl)
            .HttpsUrl(nameof(options.OidcIssuer), options.OidcIssuer);

        if (string.IsNullOrWhiteSpace(options.GitRemoteBaseUrl))
        {
            failures.Add($"{BuildsOptions.SectionName}:{nameof(options.GitRemoteBaseUrl)} is required.");
        }

        if (options.PublicBaseUrl is null && !environment.IsDevelopment())
        {
            failures.Add($"PUBLIC_BASE_URL (or {BuildsOptions.SectionName}:{nameof(options.PublicBaseUrl)}) is required: the build workflow calls back to it.");
        }
        else if (options.PublicBaseUrl is not null)
        {
            failures.HttpsUrl(nameof(options.PublicBaseUrl), options.PublicBaseUrl);
        }

        if (options.EventsPollInterval <= TimeSpan.Zero || options.EventsPollInterval > TimeSpan.FromMinutes(1))
        {
            failures.Add($"{BuildsOptions.SectionName}:{nameof(options.EventsPollInterval)} must be between 0 and 1 minute.");
        }

        if (options.ArtifactUrlLifetime <= TimeSpan.Zero || options.ArtifactUrlLifetime > TimeSpan.FromDays(7))
        {
            failures.Add($"{BuildsOptions.SectionName}:{nameof(options.ArtifactUrlLifetime)} must be between 0 and 7 days.");
        }

        if (options.WebhookDeliveryLifetime <= TimeSpan.Zero)
        {
            failures.Add($"{BuildsOptions.SectionName}:{nameof(options.WebhookDeliveryLifetime)} must be positive.");
        }

        if (options.DefaultPageSize < 1 || options.MaxPageSize < options.DefaultPageSize)
        {
            failures.Add($"{BuildsOptions.SectionName}:{nameof(options.DefaultPageSize)} must be positive and at most {nameof(options.MaxPageSize)}.");
        }

        var template = options.ResolveTemplatePath();
        if (!File.Exists(Path.Combine(template, WorkflowContract.WorkflowPath)))
        {
            failures.Add($"The workflow template '{Path.Combine(template, WorkflowContract.WorkflowPath)}' does not exist (set {BuildsOptions.SectionName}:{nameof(options.TemplatePath)} or ship user-project-template/ with the service).");
        }

        return failures.Result();
    }
}
