using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Builds.GitHub;
using PocketCode.Bff.Projects;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.BuildCache;

/// <summary>
/// Exchanges a workflow run's GitHub OIDC token for a cache credential scoped to the owner of
/// the build it names. The token must come from the build's own repository (and run, once the
/// run is known), like every other workflow call; pushing is allowed only from the default
/// branch of the repository bound to the owner's project, so a branch or pull-request run can
/// read the owner's cache but never fill it.
/// </summary>
internal sealed class BuildCacheSessions(
    IDocumentStore documents,
    GitHubOidcValidator oidc,
    ProjectService projects,
    BuildCacheCredentials credentials,
    IOptions<BuildCacheOptions> options,
    IOptions<BuildsOptions> builds,
    TimeProvider clock)
{
    /// <summary>The branch the BFF pushes and dispatches on (the dispatch's <c>ref</c>).</summary>
    public const string DefaultBranchRef = "refs/heads/" + WorkflowContract.Branch;

    public async Task<BuildCacheSession> CreateAsync(HttpRequest request, string buildId, CancellationToken cancellationToken)
    {
        // The token first: a caller without one learns nothing, not even whether a cache exists.
        var caller = await oidc.ValidateAsync(request, cancellationToken);
        var settings = options.Value;
        if (!settings.Enabled)
        {
            throw new ProblemException(503, ProblemCodes.ServiceUnavailable, "This BFF has no build cache configured; build without one.");
        }

        var build = await BuildStorage.FindAsync(documents, buildId, cancellationToken) ?? throw ProblemException.NotFound("No such build.");
        BuildRules.EnsureCaller(build, caller.Repository, caller.RunId);
        if (build.IsTerminal)
        {
            throw ProblemException.Conflict($"The build already ended ({build.State}).");
        }

        var project = await projects.GetOwnedAsync(build.OwnerUid, build.ProjectId, cancellationToken);
        var ownRepository = project.GithubRepo is { } repo && string.Equals($"{repo.Owner}/{repo.Name}", caller.Repository, StringComparison.OrdinalIgnoreCase);
        var push = ownRepository && string.Equals(caller.Ref, DefaultBranchRef, StringComparison.Ordinal);

        var expiresAt = clock.GetUtcNow() + settings.CredentialLifetime;
        var (username, password) = credentials.Issue(new BuildCacheGrant(build.OwnerUid, caller.Repository, build.Id, push, expiresAt));
        return new BuildCacheSession(builds.Value.ResolvePublicBaseUrl() + BuildCacheEndpoints.EntriesPath + "/", username, password, push, expiresAt);
    }
}
