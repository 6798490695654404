using PocketCode.Accounts.Credentials;
using PocketCode.Bff.Builds.GitHub;

namespace PocketCode.Bff.Builds;

/// <summary>Best-effort cancel of the build's workflow run on GitHub (the build is cancelled either way).</summary>
internal sealed partial class BuildOrchestratorCancellation(GitHubGateway github, CredentialVault vault, ILogger<BuildOrchestratorCancellation> logger)
{
    public async Task CancelRunQuietlyAsync(Build build, CancellationToken cancellationToken)
    {
        if (build.GithubRepo is not { } repo || build.WorkflowRunId is not { } runId)
        {
            return;
        }

        try
        {
            var token = await vault.GetSecretAsync(build.OwnerUid, CredentialKinds.GitHub, cancellationToken);
            if (token is not null)
            {
                await GitHubGateway.CancelRunAsync(github.Connect(token[CredentialKinds.Fields.Token].Reveal()), repo, runId);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogCancelFailed(logger, ex, build.Id, runId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not cancel workflow run {RunId} of build {BuildId} on GitHub")]
    private static partial void LogCancelFailed(ILogger logger, Exception exception, string buildId, long runId);
}
