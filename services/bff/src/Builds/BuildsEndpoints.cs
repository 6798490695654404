using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds.GitHub;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>
/// <c>/v1/projects/{id}/builds</c> and <c>/v1/builds/**</c>: the phone starts, follows, cancels
/// and downloads builds (Firebase tokens); the workflow reports and uploads (GitHub OIDC tokens);
/// GitHub's webhooks close silent runs (HMAC).
/// </summary>
internal static class BuildsEndpoints
{
    private const long MaxJsonBytes = 64 * 1024;

    public static IServiceCollection AddBuilds(this IServiceCollection services)
    {
        services.AddOptions<BuildsOptions>().BindConfiguration(BuildsOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IConfigureOptions<BuildsOptions>, BuildsOptionsSetup>();
        services.AddSingleton<IValidateOptions<BuildsOptions>, BuildsOptionsValidator>();
        services.AddSingleton<BuildService>();
        services.AddSingleton<BuildTransitions>();
        services.AddSingleton<BuildArtifacts>();
        services.AddSingleton<BuildOrchestrator>();
        services.AddSingleton<GitHubGateway>();
        services.AddSingleton<GitPusher>();
        services.AddSingleton<GitHubOidcValidator>();
        services.AddSingleton<GitHubWebhooks>();
        services.AddSingleton<BuildOrchestratorCancellation>();
        services.AddSingleton<IBuildCompletionSink, LoggingBuildCompletionSink>();
        services.AddSingleton<BuildWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<BuildWorker>());
        services.AddDocumentStoreRequirements(new DocumentStoreRequirements(
            [
                // BuildService.ListAsync: a project's builds, newest first.
                CompositeIndex.RequiredFor(BuildService.ProjectBuildsQuery("u", "p"))!,
                // BuildService.LastPublishedCommitAsync: where the next release notes start.
                CompositeIndex.RequiredFor(BuildService.LastPublishedQuery("u", "p"))!,
            ],
            [new TtlPolicy(GitHubWebhooks.DeliveriesCollection, GitHubWebhooks.ExpiresAt)]));
        return services;
    }

    public static RouteGroupBuilder MapBuilds(this IEndpointRouteBuilder app)
    {
        var jsonLimit = new RequestSizeLimitAttribute(MaxJsonBytes);
        var projectBuilds = app.MapGroup("/v1/projects/{projectId}/builds").WithTags("Builds");
        projectBuilds.MapPost("", CreateAsync)
            .WithName("CreateBuild")
            .WithSummary("Starts a build: push to the project's GitHub repo, run the workflow, publish to the Play track. Answers 202 with the queued build.")
            .WithMetadata(jsonLimit)
            .Produces<BuildResponse>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            // 409 also when an explicit versionCode is not above the app's highest (version_code_too_low, with nextVersionCode).
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        projectBuilds.MapGet("", ListAsync)
            .WithName("ListBuilds")
            .WithSummary("The project's builds, newest first, in cursor pages (?pageSize=&pageToken=).");

        var builds = app.MapGroup("/v1/builds").WithTags("Builds");
        builds.MapGet("/{id}", GetAsync).WithName("GetBuild").WithSummary("One build with its history, error, version code and name, and outcome link (listing, testing opt-in page or Play Console for a draft).")
            .Produces<BuildResponse>().ProducesProblem(StatusCodes.Status404NotFound);
        builds.MapGet("/{id}/events", StreamAsync).WithName("StreamBuildEvents")
            .WithSummary("Server-sent events: each state change once, in order, with id = sequence (resume with Last-Event-ID); ends after the final state.");
        builds.MapPost("/{id}/cancel", CancelAsync).WithName("CancelBuild").WithSummary("Cancels a running build (and its workflow run).")
            .Produces<BuildResponse>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        builds.MapGet("/{id}/artifact", ArtifactAsync).WithName("GetBuildArtifact")
            .WithSummary("A short-lived signed download URL of the build's AAB (or ?file=app-release.apk).")
            .Produces<ArtifactDownload>().ProducesProblem(StatusCodes.Status404NotFound);

        // Called by the workflow with its GitHub OIDC token, not a Firebase token.
        builds.MapPost("/{id}/events", ReportAsync).AllowAnonymous().WithMetadata(jsonLimit).WithName("ReportBuildEvent")
            .WithSummary("The workflow's status report (GitHub OIDC token, audience = this BFF).")
            .Produces<BuildEventOutcome>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);
        builds.MapPost("/{id}/artifact-uploads", UploadUrlAsync).AllowAnonymous().WithMetadata(jsonLimit).WithName("CreateArtifactUpload")
            .WithSummary("A signed upload URL for one artifact of the calling workflow run (GitHub OIDC token).")
            .Produces<ArtifactUploadResponse>().ProducesProblem(StatusCodes.Status401Unauthorized).ProducesProblem(StatusCodes.Status403Forbidden);

        app.MapPost("/v1/github/webhooks", WebhookAsync)
            .AllowAnonymous().WithMetadata(new RequestSizeLimitAttribute(5 * 1024 * 1024)).WithTags("Builds").WithName("GitHubWebhook")
            .WithSummary("GitHub webhooks (workflow_run), HMAC-verified, deduplicated by delivery id.");
        return builds;
    }

    private static async Task<Results<Accepted<BuildResponse>, ValidationProblem>> CreateAsync(
        string projectId, CreateBuildRequest body, ICurrentUser user, BuildService builds, BuildWorker worker, CancellationToken cancellationToken)
    {
        var errors = BuildRules.Validate(body.Track, body.ReleaseStatus, body.RolloutFraction, body.VersionCode, body.VersionName, body.Message);
        if (!errors.IsEmpty)
        {
            return errors.ToResult();
        }

        var build = await builds.CreateAsync(user.Uid, projectId, new BuildRequest(body.Track!, body.ReleaseStatus!, body.RolloutFraction, body.VersionCode, body.Message, body.VersionName), cancellationToken);
        worker.Enqueue(build.Id);
        return TypedResults.Accepted($"/v1/builds/{build.Id}", BuildResponse.From(build));
    }

    private static async Task<Ok<BuildListResponse>> ListAsync(
        string projectId, ICurrentUser user, BuildService builds, CancellationToken cancellationToken, int? pageSize = null, string? pageToken = null)
    {
        var page = await builds.ListAsync(user.Uid, projectId, pageSize, pageToken, cancellationToken);
        return TypedResults.Ok(new BuildListResponse(page.Items.Select(BuildResponse.From).ToList(), page.NextPageToken));
    }

    private static async Task<Ok<BuildResponse>> GetAsync(string id, ICurrentUser user, BuildService builds, CancellationToken cancellationToken) =>
        TypedResults.Ok(BuildResponse.From(await builds.GetOwnedAsync(user.Uid, id, cancellationToken)));

    private static async Task<Ok<BuildResponse>> CancelAsync(
        string id, ICurrentUser user, BuildService builds, BuildOrchestratorCancellation cancellation, CancellationToken cancellationToken)
    {
        var build = await builds.CancelAsync(user.Uid, id, cancellationToken);
        await cancellation.CancelRunQuietlyAsync(build, cancellationToken);
        return TypedResults.Ok(BuildResponse.From(build));
    }

    private static async Task<Ok<ArtifactDownload>> ArtifactAsync(string id, ICurrentUser user, BuildArtifacts artifacts, CancellationToken cancellationToken, string? file = null)
    {
        if (file is not null && !BuildRules.IsValidArtifactFile(file))
        {
            throw ProblemException.NotFound($"This build has no artifact '{file}'.");
        }

        return TypedResults.Ok(await artifacts.CreateDownloadUrlAsync(user.Uid, id, file, cancellationToken));
    }

    private static async Task<Results<Ok<BuildEventOutcome>, ValidationProblem>> ReportAsync(
        string id, HttpRequest request, GitHubOidcValidator oidc, BuildTransitions transitions, CancellationToken cancellationToken)
    {
        var caller = await oidc.ValidateAsync(request, cancellationToken);
        var report = await ReadJsonAsync<BuildEventRequest>(request, cancellationToken);
        if (!BuildStates.Reportable.Contains(report.State, StringComparer.Ordinal))
        {
            return Problems.Validation("state", $"Report one of: {string.Join(", ", BuildStates.Reportable)}.");
        }

        if (report.Message is { Length: > 4000 } || report.Step is { Length: > 100 } || report.ReleaseNotes is { Length: > 4000 })
        {
            return Problems.Validation("message", "message and releaseNotes are at most 4000 characters, step at most 100.");
        }

        if (BuildRules.ValidateReportErrorCode(report.State, report.ErrorCode, report.VersionCode) is { } errorCodeProblem)
        {
            return Problems.Validation("errorCode", errorCodeProblem);
        }

        var result = await transitions.ApplyEventAsync(id, caller.Repository, caller.RunId, report, cancellationToken);
        return TypedResults.Ok(new BuildEventOutcome(result.Build.State, result.Changed));
    }

    private static async Task<Results<Ok<ArtifactUploadResponse>, ValidationProblem>> UploadUrlAsync(
        string id, HttpRequest request, GitHubOidcValidator oidc, BuildArtifacts artifacts, CancellationToken cancellationToken)
    {
        var caller = await oidc.ValidateAsync(request, cancellationToken);
        var body = await ReadJsonAsync<ArtifactUploadRequest>(request, cancellationToken);
        if (!BuildRules.IsValidArtifactFile(body.File))
        {
            return Problems.Validation("file", "Name an .aab or .apk file (letters, digits, '.', '_', '-').");
        }

        return TypedResults.Ok(await artifacts.CreateUploadUrlAsync(id, caller.Repository, caller.RunId, body, cancellationToken));
    }

    private static Task<IResult> WebhookAsync(HttpRequest request, GitHubWebhooks hooks, CancellationToken cancellationToken) =>
        hooks.ReceiveAsync(request, cancellationToken);

    /// <summary>
    /// The body is read after the OIDC check (an unauthenticated caller learns nothing about the
    /// model), with the same rules as bound bodies: camelCase, unknown members refused.
    /// </summary>
    private static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
    {
        var json = request.HttpContext.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        try
        {
            return await JsonSerializer.DeserializeAsync<T>(request.Body, json, cancellationToken)
                ?? throw ProblemException.BadRequest("Send a JSON body.");
        }
        catch (JsonException ex)
        {
            throw new ProblemException(400, ProblemCodes.BadRequest, "The body is not a valid report: " + ex.Message, ex);
        }
    }

    /// <summary>Server-sent events are written to the response as they happen, so this handler returns no result.</summary>
    private static async Task StreamAsync(
        string id, HttpContext http, ICurrentUser user, BuildService builds, IOptions<BuildsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, CancellationToken cancellationToken)
    {
        var build = await builds.GetOwnedAsync(user.Uid, id, cancellationToken);
        long last = long.TryParse(http.Request.Headers["Last-Event-ID"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var resume) ? resume : 0;
        var response = http.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        http.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpResponseBodyFeature>()?.DisableBuffering();
        var poll = options.Value.EventsPollInterval;
        var serializer = json.Value.SerializerOptions;
        try
        {
            while (true)
            {
                foreach (var t in build.History.Where(h => h.Seq > last))
                {
                    var terminal = BuildStates.IsTerminal(t.State);
                    var payload = new BuildStreamEvent(build.Id, t.Seq, t.State, t.At, t.Message, terminal ? build.Error : null, terminal ? build.PlayListingUrl : null, terminal ? BuildOutcomes.Of(build) : null);
                    await response.WriteAsync($"id: {t.Seq.ToString(CultureInfo.InvariantCulture)}\nevent: state\ndata: {JsonSerializer.Serialize(payload, serializer)}\n\n", cancellationToken);
                    last = t.Seq;
                }

                await response.Body.FlushAsync(cancellationToken);
                if (build.IsTerminal)
                {
                    return;
                }

                await Task.Delay(poll, cancellationToken);
                // Follows the stored document, so a report that reached another instance shows up too.
                build = await builds.FindAsync(id, cancellationToken) ?? build;
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The phone went away.
        }
    }
}
