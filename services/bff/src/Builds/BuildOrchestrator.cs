using System.Threading.Channels;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds.GitHub;
using PocketCode.Bff.Projects;
using PocketCode.Bff.Projects.Templates;
using PocketCode.Accounts.Credentials;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>
/// Runs the BFF's part of a build after <c>POST .../builds</c> answered 202: repository, push,
/// secrets, dispatch (DESIGN.md §6 step 2). Each step is recorded in <c>step</c>; a failure sets
/// the build failed with the step and a message that says what to do.
/// </summary>
internal sealed partial class BuildOrchestrator(
    BuildService builds,
    BuildTransitions transitions,
    IDocumentStore documents,
    IBlobStore blobs,
    CredentialVault vault,
    GitHubGateway github,
    GitPusher git,
    StarterTemplates templates,
    IOptions<BuildsOptions> options,
    ILogger<BuildOrchestrator> logger)
{
    public const string StepRepository = "repository";
    public const string StepPush = "push";
    public const string StepSecrets = "secrets";
    public const string StepDispatch = "dispatch";
    public const string StepDispatched = "dispatched";

    /// <summary>Claims a queued build (exactly one instance wins) and runs it; false when it was not queued.</summary>
    public async Task<bool> RunAsync(string buildId, CancellationToken cancellationToken)
    {
        var claimed = await transitions.TransitionAsync(buildId, (b, _) => b.State == BuildStates.Queued
            ? new BuildChange(BuildStates.Pushing, new Dictionary<string, object?> { [BuildDocuments.Step] = StepRepository })
            : null, cancellationToken);
        if (claimed is not { Changed: true })
        {
            return false;
        }

        var step = StepRepository;
        try
        {
            var build = claimed.Build;
            var project = await ProjectAsync(build, cancellationToken);
            var token = await SecretAsync(build.OwnerUid, CredentialKinds.GitHub, step, cancellationToken);
            var client = github.Connect(token[CredentialKinds.Fields.Token].Reveal());

            var (repo, created) = await GitHubGateway.EnsureRepositoryAsync(client, project, step);
            if (created)
            {
                await SubscribeToWebhooksQuietlyAsync(client, repo, buildId, step);
            }

            await documents.UpdateAsync(ProjectStorage.DocumentPath(project.Id), new Dictionary<string, object?>
            {
                [ProjectDocuments.GithubRepo] = BuildDocuments.RepoValue(repo),
            }, Precondition.MustExist, cancellationToken);
            if (!await NextStepAsync(buildId, step = StepPush, new() { [BuildDocuments.GithubRepo] = BuildDocuments.RepoValue(repo) }, cancellationToken))
            {
                return true;
            }

            var files = await FilesAsync(project, cancellationToken);
            var (sha, _) = await git.PushAsync(repo, token[CredentialKinds.Fields.Token].Reveal(), files, CommitMessage(build), cancellationToken);
            if (!await NextStepAsync(buildId, step = StepSecrets, new() { [BuildDocuments.CommitSha] = sha }, cancellationToken))
            {
                return true;
            }

            var keystore = await SecretAsync(build.OwnerUid, CredentialKinds.Keystore, step, cancellationToken);
            var play = await SecretAsync(build.OwnerUid, CredentialKinds.Play, step, cancellationToken);
            await GitHubGateway.SetSecretsAsync(client, repo, SecretValues(keystore, play), step);
            if (!await NextStepAsync(buildId, step = StepDispatch, [], cancellationToken))
            {
                return true;
            }

            var notesSince = await builds.LastPublishedCommitAsync(build.OwnerUid, build.ProjectId, cancellationToken);
            await GitHubGateway.DispatchAsync(client, repo, DispatchInputs(build, project, notesSince), step);
            await NextStepAsync(buildId, StepDispatched, [], cancellationToken);
        }
        catch (BuildStepException ex)
        {
            LogStepFailed(logger, ex, buildId, step, ex.Code);
            await transitions.FailAsync(buildId, new BuildError(step, ex.Code, ex.Message), CancellationToken.None);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogStepFailed(logger, ex, buildId, step, BuildErrors.Internal);
            await transitions.FailAsync(buildId, new BuildError(step, BuildErrors.Internal,
                $"Something went wrong while preparing the build (step '{step}'). Build again; if it repeats, contact support with build id {buildId}."), CancellationToken.None);
        }

        return true;
    }

    private async Task SubscribeToWebhooksQuietlyAsync(Octokit.IGitHubClient client, GithubRepoBinding repo, string buildId, string step)
    {
        var settings = options.Value;
        if (string.IsNullOrEmpty(settings.WebhookSecret) || settings.PublicBaseUrl is null)
        {
            return;
        }

        try
        {
            await GitHubGateway.CreateWorkflowRunHookAsync(client, repo, settings.ResolvePublicBaseUrl() + "/v1/github/webhooks", settings.WebhookSecret, step);
        }
        catch (Exception ex) when (ex is Octokit.ApiException or BuildStepException)
        {
            // Best effort: without the hook only silent runs stay open; the build itself goes on.
            LogHookFailed(logger, ex, buildId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build {BuildId}: could not subscribe to the repository's workflow_run webhooks")]
    private static partial void LogHookFailed(ILogger logger, Exception exception, string buildId);

    /// <summary>The dispatch inputs, named as the workflow declares them (<see cref="WorkflowContract.Inputs"/>).</summary>
    public Dictionary<string, string> DispatchInputs(Build build, Project project, string? notesSince)
    {
        var settings = options.Value;
        return new Dictionary<string, string>
        {
            [WorkflowContract.Inputs.BuildId] = build.Id,
            [WorkflowContract.Inputs.Track] = build.Track,
            [WorkflowContract.Inputs.ReleaseStatus] = build.ReleaseStatus,
            [WorkflowContract.Inputs.RolloutFraction] = BuildRules.FormatFraction(build.RolloutFraction),
            [WorkflowContract.Inputs.VersionCode] = build.VersionCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
            [WorkflowContract.Inputs.VersionName] = build.VersionCode is { } code ? "1.0." + code.ToString(System.Globalization.CultureInfo.InvariantCulture) : string.Empty,
            [WorkflowContract.Inputs.NotesSince] = notesSince ?? string.Empty,
            [WorkflowContract.Inputs.ApplicationId] = project.ApplicationId,
            [WorkflowContract.Inputs.BffUrl] = settings.ResolvePublicBaseUrl(),
            [WorkflowContract.Inputs.Audience] = settings.ResolveAudience(),
        };
    }

    /// <summary>The repository secrets, named as the workflow reads them (<see cref="WorkflowContract.Secrets"/>).</summary>
    public static Dictionary<string, string> SecretValues(CredentialSecret keystore, CredentialSecret play) => new()
    {
        [WorkflowContract.Secrets.KeystoreBase64] = keystore[CredentialKinds.Fields.Keystore].Reveal(),
        [WorkflowContract.Secrets.KeystoreType] = keystore.Fields.TryGetValue(CredentialKinds.Fields.Format, out var format) ? format.Reveal() : "pkcs12",
        [WorkflowContract.Secrets.StorePassword] = keystore[CredentialKinds.Fields.StorePassword].Reveal(),
        [WorkflowContract.Secrets.KeyAlias] = keystore[CredentialKinds.Fields.Alias].Reveal(),
        [WorkflowContract.Secrets.KeyPassword] = keystore[CredentialKinds.Fields.KeyPassword].Reveal(),
        [WorkflowContract.Secrets.PlayServiceAccountJson] = play[CredentialKinds.Fields.ServiceAccountJson].Reveal(),
    };

    public static string CommitMessage(Build build)
    {
        var subject = string.IsNullOrWhiteSpace(build.Message)
            ? $"Build for the {build.Track} track ({build.ReleaseStatus})"
            : build.Message.Trim();
        return subject + "\n\nPocketCode-Build: " + build.Id + "\n";
    }

    private async Task<bool> NextStepAsync(string buildId, string step, Dictionary<string, object?> fields, CancellationToken cancellationToken)
    {
        fields[BuildDocuments.Step] = step;
        // Stops quietly when the build was cancelled (or ended) meanwhile.
        var result = await transitions.TransitionAsync(buildId, (b, _) => b.IsTerminal ? null : new BuildChange(null, fields), cancellationToken);
        return result is { Changed: true };
    }

    private async Task<Project> ProjectAsync(Build build, CancellationToken cancellationToken)
    {
        var snapshot = await documents.GetAsync(ProjectStorage.DocumentPath(build.ProjectId), cancellationToken);
        return snapshot is not null && ProjectDocuments.FromSnapshot(snapshot) is { State: ProjectStates.Active } project && project.OwnerUid == build.OwnerUid
            ? project
            : throw new BuildStepException(BuildErrors.Internal, "The project was deleted before the build started.");
    }

    private async Task<CredentialSecret> SecretAsync(string uid, string kind, string step, CancellationToken cancellationToken) =>
        await vault.GetSecretAsync(uid, kind, cancellationToken)
            ?? throw new BuildStepException(BuildProblemCodes.CredentialMissing, $"Your {kind} credential was removed before step '{step}'. Add it under Settings → Credentials and build again.");

    /// <summary>The project's source files from the blob store, plus the workflow template (which wins on a clash).</summary>
    private async Task<List<CommitFile>> FilesAsync(Project project, CancellationToken cancellationToken)
    {
        var files = new Dictionary<string, CommitFile>(StringComparer.Ordinal);
        string? token = null;
        do
        {
            var page = await blobs.ListAsync(BucketNames.ProjectSourceFiles, project.BlobPrefix, 1000, token, cancellationToken);
            foreach (var blob in page.Items)
            {
                var name = blob.Name;
                files[name[project.BlobPrefix.Length..]] = new CommitFile(name[project.BlobPrefix.Length..], async ct =>
                    (await blobs.OpenReadAsync(BucketNames.ProjectSourceFiles, name, ct) ?? throw new BlobNotFoundException(BucketNames.ProjectSourceFiles, name)).Content);
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        var template = options.Value.ResolveTemplatePath();
        foreach (var path in Directory.EnumerateFiles(template, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(template, path).Replace('\\', '/');
            files[relative] = new CommitFile(relative, _ => Task.FromResult<Stream>(File.OpenRead(path)));
        }

        await AddGradleWrapperAsync(files, cancellationToken);
        return files.Values.OrderBy(f => f.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Adds the wrapper files a project lacks (so <c>./gradlew</c> runs) and refuses the push when
    /// any <c>gradle-wrapper.jar</c> is not one Gradle published: the workflow would run it.
    /// </summary>
    private async Task AddGradleWrapperAsync(Dictionary<string, CommitFile> files, CancellationToken cancellationToken)
    {
        var wrapper = templates.GradleWrapper;
        foreach (var file in wrapper.Files.Where(f => !files.ContainsKey(f.Path)))
        {
            files[file.Path] = new CommitFile(file.Path, _ => Task.FromResult<Stream>(new MemoryStream(file.Content, writable: false)));
        }

        foreach (var jar in files.Values.Where(f => GradleWrapper.IsJar(f.Path)))
        {
            await using var content = await jar.Open(cancellationToken);
            if (!await wrapper.IsPublishedAsync(content, cancellationToken))
            {
                throw new BuildStepException(BuildErrors.GradleWrapperNotGradles,
                    $"The project's '{jar.Path}' is not Gradle's wrapper: its SHA-256 matches none of the checksums Gradle publishes, so it could run anything in the build. Nothing was pushed. Delete the file (PocketCode then adds Gradle's own wrapper) or replace it with the gradle-wrapper.jar of a Gradle release, then build again.");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Build {BuildId} failed at step {Step} ({Code})")]
    private static partial void LogStepFailed(ILogger logger, Exception exception, string buildId, string step, string code);
}

/// <summary>
/// Runs queued builds in the background. New builds arrive through <see cref="Enqueue"/>; at
/// start-up it also picks up builds still queued in the store (a restart resumes them). The claim
/// is a transaction, so with several instances each build runs once.
/// </summary>
internal sealed partial class BuildWorker(IServiceProvider services, IDocumentStore documents, ILogger<BuildWorker> logger) : BackgroundService
{
    private readonly Channel<string> _queue = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    public void Enqueue(string buildId) => _queue.Writer.TryWrite(buildId);

    /// <summary>How often the store is swept for queued builds nobody runs (an instance stopped before claiming them).</summary>
    public static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(1);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(SweepQueuedBuildsAsync(stoppingToken), RunQueueAsync(stoppingToken));

    /// <summary>
    /// Enqueues the builds still queued in the store, at start-up and then every
    /// <see cref="SweepInterval"/>. Enqueuing one twice is harmless: the claim lets it run once.
    /// </summary>
    private async Task SweepQueuedBuildsAsync(CancellationToken stoppingToken)
    {
        // Start-up never waits for (or fails with) the store: an unreachable store is logged, not fatal.
        await Task.Yield();
        using var timer = new PeriodicTimer(SweepInterval);
        do
        {
            try
            {
                var queued = await documents.QueryAsync(new DocumentQuery(BuildStorage.Collection)
                    .Where(BuildDocuments.State, FilterOperator.Equal, BuildStates.Queued).Take(100), stoppingToken);
                foreach (var build in queued.Documents)
                {
                    Enqueue(build.Id);
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // A gRPC deadline surfaces as a TaskCanceledException too; only our own stop ends the sweep.
                LogResumeFailed(logger, ex);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private async Task RunQueueAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await foreach (var buildId in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await services.GetRequiredService<BuildOrchestrator>().RunAsync(buildId, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRunFailed(logger, ex, buildId);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not resume queued builds")]
    private static partial void LogResumeFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Build {BuildId} could not be run")]
    private static partial void LogRunFailed(ILogger logger, Exception exception, string buildId);
}
