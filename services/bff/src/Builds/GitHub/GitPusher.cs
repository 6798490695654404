using LibGit2Sharp;
using Microsoft.Extensions.Options;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Projects;

namespace PocketCode.Bff.Builds.GitHub;

/// <summary>One file to commit: its path in the repository and how to open its content.</summary>
internal sealed record CommitFile(string Path, Func<CancellationToken, Task<Stream>> Open);

/// <summary>
/// Pushes a project's files as one commit on <c>main</c> of its GitHub repository with
/// LibGit2Sharp. It works in a throw-away bare repository: fetch the remote's <c>main</c> (so the
/// new commit follows the earlier builds' ones), write blobs and a tree straight into the object
/// database, commit, push. The token travels only in the credentials callback, never in the URL.
/// </summary>
internal sealed partial class GitPusher(IOptions<BuildsOptions> options, ILogger<GitPusher> logger)
{
    private const string RemoteName = "origin";
    private static readonly string MainRef = "refs/heads/" + WorkflowContract.Branch;
    private static readonly string TrackingRef = "refs/remotes/" + RemoteName + "/" + WorkflowContract.Branch;

    /// <summary>The remote's URL (https) or path (a folder of bare repositories in tests).</summary>
    public string RemoteFor(GithubRepoBinding repo)
    {
        var root = options.Value.GitRemoteBaseUrl.TrimEnd('/');
        return root.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || root.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || root.StartsWith("file://", StringComparison.OrdinalIgnoreCase)
            ? $"{root}/{Uri.EscapeDataString(repo.Owner)}/{Uri.EscapeDataString(repo.Name)}.git"
            : Path.Combine(root, repo.Owner, repo.Name + ".git");
    }

    /// <summary>Commits <paramref name="files"/> (the whole tree) on main and pushes it; returns the commit SHA and the previous head.</summary>
    public async Task<(string Sha, string? PreviousSha)> PushAsync(GithubRepoBinding repo, string token, IReadOnlyList<CommitFile> files, string message, CancellationToken cancellationToken)
    {
        var work = Directory.CreateTempSubdirectory("pocketcode-push-").FullName;
        try
        {
            using var local = new Repository(Repository.Init(work, isBare: true));
            var remote = local.Network.Remotes.Add(RemoteName, RemoteFor(repo));
            var credentials = new LibGit2Sharp.Handlers.CredentialsHandler((_, _, _) => new UsernamePasswordCredentials { Username = "x-access-token", Password = token });
            try
            {
                Commands.Fetch(local, RemoteName, ["+" + MainRef + ":" + TrackingRef], new FetchOptions { CredentialsProvider = credentials }, null);
            }
            catch (LibGit2SharpException ex)
            {
                throw Translate(ex);
            }

            var parent = local.Refs[TrackingRef]?.ResolveToDirectReference()?.Target as Commit;
            var tree = new TreeDefinition();
            foreach (var file in files)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await using var content = await file.Open(cancellationToken);
                var blob = local.ObjectDatabase.CreateBlob(content, file.Path);
                tree.Add(file.Path, blob, IsExecutable(file.Path) ? Mode.ExecutableFile : Mode.NonExecutableFile);
            }

            var signature = new Signature("PocketCode", "builds@pocketcode.dev", DateTimeOffset.UtcNow);
            var commit = local.ObjectDatabase.CreateCommit(signature, signature, message, local.ObjectDatabase.CreateTree(tree), parent is null ? [] : [parent], prettifyMessage: true);
            local.Refs.Add(MainRef, commit.Id, allowOverwrite: true);

            string? pushError = null;
            try
            {
                local.Network.Push(remote, MainRef + ":" + MainRef, new PushOptions
                {
                    CredentialsProvider = credentials,
                    OnPushStatusError = e => pushError = e.Message,
                });
            }
            catch (LibGit2SharpException ex)
            {
                throw Translate(ex);
            }

            if (pushError is not null)
            {
                throw new BuildStepException(BuildErrors.WorkflowFailed, $"GitHub refused the push: {pushError}. Build again; if it repeats, check the repository's branch protection on '{WorkflowContract.Branch}'.");
            }

            return (commit.Sha, parent?.Sha);
        }
        finally
        {
            try
            {
                Directory.Delete(work, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                LogCleanupFailed(logger, ex, work);
            }
        }
    }

    private static bool IsExecutable(string path) => path is "gradlew" || path.EndsWith("/gradlew", StringComparison.Ordinal) || path.EndsWith(".sh", StringComparison.Ordinal);

    private static BuildStepException Translate(LibGit2SharpException ex) =>
        ex.Message.Contains("401", StringComparison.Ordinal) || ex.Message.Contains("authentication", StringComparison.OrdinalIgnoreCase) || ex.Message.Contains("credentials", StringComparison.OrdinalIgnoreCase)
            ? new BuildStepException(BuildErrors.GitHubTokenInvalid, BuildErrors.GitHubTokenExpired("push").Message, ex)
            : new BuildStepException(BuildErrors.Internal, "Pushing the project to GitHub failed; build again. If it repeats, check that the repository still exists and the token can write to it.", ex);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Could not delete the push work folder {Folder}")]
    private static partial void LogCleanupFailed(ILogger logger, Exception exception, string folder);
}
