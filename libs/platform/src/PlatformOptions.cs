using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

/// <summary>Who this service is: its telemetry name and the Google Cloud / Firebase project it serves.</summary>
public sealed class PlatformOptions
{
    /// <summary>Environment variable (or configuration key) holding the project id.</summary>
    public const string ProjectIdKey = "GOOGLE_CLOUD_PROJECT";

    /// <summary>
    /// Project id used in Development when <see cref="ProjectIdKey"/> is unset. The <c>demo-</c>
    /// prefix is what Firebase emulators treat as a project that can never reach real resources.
    /// </summary>
    public const string DevelopmentProjectId = "demo-pocketcode";

    public string ServiceName { get; set; } = "";

    public string? ProjectId { get; set; }

    /// <summary>Given to <c>AddServiceDefaults</c>; decides the browser-facing middleware.</summary>
    public ServiceExposure Exposure { get; set; }

    internal static string? ResolveProjectId(IConfiguration configuration, IHostEnvironment environment) =>
        configuration[ProjectIdKey] is { Length: > 0 } configured && !string.IsNullOrWhiteSpace(configured)
            ? configured.Trim()
            : environment.IsDevelopment() ? DevelopmentProjectId : null;
}

internal sealed partial class PlatformOptionsValidator : IValidateOptions<PlatformOptions>
{
    public ValidateOptionsResult Validate(string? name, PlatformOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            return ValidateOptionsResult.Fail("The service name is empty: pass it to builder.AddServiceDefaults(\"name\").");
        }

        if (string.IsNullOrWhiteSpace(options.ProjectId))
        {
            return ValidateOptionsResult.Fail(
                $"{PlatformOptions.ProjectIdKey} is not set. Set it to the Google Cloud / Firebase project id; " +
                $"only the Development environment has a default ('{PlatformOptions.DevelopmentProjectId}').");
        }

        if (!ProjectIdPattern().IsMatch(options.ProjectId))
        {
            return ValidateOptionsResult.Fail(
                $"{PlatformOptions.ProjectIdKey} '{options.ProjectId}' is not a project id: expected 6-30 lowercase letters, digits " +
                "or hyphens starting with a letter (the project id, not the project number or display name).");
        }

        return ValidateOptionsResult.Success;
    }

    // Google project ids, optionally with a legacy "domain.com:" prefix.
    [GeneratedRegex("^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex ProjectIdPattern();
}
