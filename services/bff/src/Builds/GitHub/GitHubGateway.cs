using Microsoft.Extensions.Options;
using Octokit;
using PocketCode.Bff.Builds;
using PocketCode.Bff.Projects;
using Project = PocketCode.Bff.Projects.Project;

namespace PocketCode.Bff.Builds.GitHub;

/// <summary>
/// The GitHub REST calls of a build, through Octokit with the user's token. Octokit's typed
/// exceptions become <see cref="BuildStepException"/>s that say what to do.
/// </summary>
internal sealed class GitHubGateway(IOptions<BuildsOptions> options)
{
    private static readonly ProductHeaderValue Product = new("PocketCode-BFF");

    public IGitHubClient Connect(string token) =>
        new GitHubClient(Product, options.Value.GitHubApiUrl) { Credentials = new Octokit.Credentials(token) };

    /// <summary>
    /// The project's private repository: the bound one when it still exists, else a new one named
    /// after the project under the token's user. A name held by a repository that is not this
    /// project's is reported, never reused.
    /// </summary>
    public static async Task<(GithubRepoBinding Repo, bool Created)> EnsureRepositoryAsync(IGitHubClient client, Project project, string step)
    {
        return await Call(step, async () =>
        {
            if (project.GithubRepo is { } bound)
            {
                try
                {
                    var existing = await client.Repository.Get(bound.Owner, bound.Name);
                    return (new GithubRepoBinding(existing.Owner.Login, existing.Name), false);
                }
                catch (NotFoundException)
                {
                    // Deleted on GitHub: create it again under the same name below.
                }
            }

            var login = (await client.User.Current()).Login;
            var name = project.GithubRepo?.Name ?? RepositoryName(project);
            try
            {
                var created = await client.Repository.Create(new NewRepository(name)
                {
                    Private = true,
                    AutoInit = false,
                    Description = $"PocketCode project {project.Name} ({project.ApplicationId})",
                });
                return (new GithubRepoBinding(created.Owner.Login, created.Name), true);
            }
            catch (RepositoryExistsException)
            {
                throw new BuildStepException(BuildErrors.GitHubRepoNameTaken, BuildErrors.RepoNameTaken(step, login, name).Message);
            }
        });
    }

    /// <summary>
    /// Subscribes the BFF to the repository's <c>workflow_run</c> webhooks (HMAC-signed with
    /// <paramref name="secret"/>), so a run that dies without reporting still closes its build.
    /// </summary>
    public static Task CreateWorkflowRunHookAsync(IGitHubClient client, GithubRepoBinding repo, string url, string secret, string step) =>
        Call(step, async () =>
        {
            await client.Repository.Hooks.Create(repo.Owner, repo.Name, new NewRepositoryHook("web", new Dictionary<string, string>
            {
                ["url"] = url,
                ["content_type"] = "json",
                ["secret"] = secret,
                ["insecure_ssl"] = "0",
            })
            {
                Events = ["workflow_run"],
                Active = true,
            });
            return true;
        });

    /// <summary>Sets each repository secret, sealed with the repository's public key.</summary>
    public static Task SetSecretsAsync(IGitHubClient client, GithubRepoBinding repo, IReadOnlyDictionary<string, string> secrets, string step) =>
        Call(step, async () =>
        {
            var key = await client.Repository.Actions.Secrets.GetPublicKey(repo.Owner, repo.Name);
            foreach (var (name, value) in secrets)
            {
                await client.Repository.Actions.Secrets.CreateOrUpdate(repo.Owner, repo.Name, name, new UpsertRepositorySecret
                {
                    EncryptedValue = SecretSealer.Seal(value, key.Key),
                    KeyId = key.KeyId,
                });
            }

            return true;
        });

    public static Task DispatchAsync(IGitHubClient client, GithubRepoBinding repo, IReadOnlyDictionary<string, string> inputs, string step) =>
        Call(step, async () =>
        {
            await client.Actions.Workflows.CreateDispatch(repo.Owner, repo.Name, WorkflowContract.WorkflowFileName, new CreateWorkflowDispatch(WorkflowContract.Branch)
            {
                Inputs = inputs.ToDictionary(i => i.Key, i => (object)i.Value),
            });
            return true;
        });

    public static Task CancelRunAsync(IGitHubClient client, GithubRepoBinding repo, long runId) =>
        Call("cancel", async () =>
        {
            await client.Actions.Workflows.Runs.Cancel(repo.Owner, repo.Name, runId);
            return true;
        });

    /// <summary>A repository name from the project's name plus a piece of its id (names are unique per owner).</summary>
    public static string RepositoryName(Project project)
    {
        var slug = new string(project.Name.ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray()).Trim('-');
        while (slug.Contains("--", StringComparison.Ordinal))
        {
            slug = slug.Replace("--", "-", StringComparison.Ordinal);
        }

        slug = slug.Length > 60 ? slug[..60].TrimEnd('-') : slug;
        return (slug.Length == 0 ? "app" : slug) + "-" + project.Id[..8].ToLowerInvariant();
    }

    private static async Task<T> Call<T>(string step, Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (AuthorizationException ex)
        {
            throw new BuildStepException(BuildErrors.GitHubTokenInvalid, BuildErrors.GitHubTokenExpired(step).Message, ex);
        }
        catch (ForbiddenException ex)
        {
            throw new BuildStepException(BuildErrors.GitHubPermissionDenied, BuildErrors.GitHubForbidden(step).Message, ex);
        }
    }
}
