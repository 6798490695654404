using System.Collections.Concurrent;
using System.Text.Json;
using LibGit2Sharp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Sodium;
using PocketCode.Testing;

namespace PocketCode.Bff.Tests.Builds;

/// <summary>
/// Stands in for GitHub on real sockets and disk: a Kestrel server on 127.0.0.1 speaking the REST
/// calls the BFF makes (Octokit puts non-github.com hosts under <c>/api/v3</c>), and a folder of
/// bare git repositories standing in for GitHub's git endpoint. It records what it was asked to
/// do and holds the private half of the repositories' secret key, so tests can open the secrets.
/// </summary>
public sealed class GitHubStandIn : IAsyncDisposable
{
    public const string Login = "octo-dev";

    private readonly WebApplication _app;

    private GitHubStandIn(WebApplication app, string gitRoot)
    {
        _app = app;
        GitRoot = gitRoot;
    }

    /// <summary>The token the stand-in accepts; any other gets GitHub's 401 "Bad credentials".</summary>
    public string AcceptedToken { get; set; } = "ghp_standin_token_0001";

    /// <summary>Tokens GitHub knows but that lack a permission: every call gets GitHub's 403.</summary>
    public ConcurrentDictionary<string, bool> ForbiddenTokens { get; } = new();

    public string ApiUrl { get; private set; } = "";

    /// <summary>Folder of bare repositories: <c>{owner}/{name}.git</c>.</summary>
    public string GitRoot { get; }

    public KeyPair SecretKey { get; } = PublicKeyBox.GenerateKeyPair();

    public const string SecretKeyId = "568250167242549743";

    public ConcurrentDictionary<string, JsonElement> CreatedRepos { get; } = new();

    /// <summary>Repository names that exist on the account without being created through the BFF.</summary>
    public ConcurrentDictionary<string, bool> ForeignRepos { get; } = new();

    /// <summary>(repo full name, secret name) → the sealed value and key id as uploaded.</summary>
    public ConcurrentDictionary<(string Repo, string Name), (string EncryptedValue, string KeyId)> Secrets { get; } = new();

    public ConcurrentQueue<(string Repo, string Workflow, JsonElement Body)> Dispatches { get; } = new();

    public ConcurrentQueue<(string Repo, long RunId)> Cancels { get; } = new();

    public ConcurrentDictionary<string, JsonElement> Hooks { get; } = new();

    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement>> _dispatchWaiters = new();

    /// <summary>Completes with the dispatch body that carries <paramref name="buildId"/>.</summary>
    public Task<JsonElement> DispatchOf(string buildId) =>
        _dispatchWaiters.GetOrAdd(buildId, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    public string Decrypt(string encryptedValue) =>
        System.Text.Encoding.UTF8.GetString(SealedPublicKeyBox.Open(Convert.FromBase64String(encryptedValue), SecretKey.PrivateKey, SecretKey.PublicKey));

    public string BareRepositoryPath(string owner, string name) => Path.Combine(GitRoot, owner, name + ".git");

    public static async Task<GitHubStandIn> StartAsync()
    {
        var app = LoopbackServer.Create();
        var standIn = new GitHubStandIn(app, Directory.CreateTempSubdirectory("pocketcode-git-").FullName);
        standIn.Map(app.MapGroup("/api/v3"));
        await app.StartAsync();
        standIn.ApiUrl = app.Urls.First();
        return standIn;
    }

    private void Map(RouteGroupBuilder api)
    {
        api.AddEndpointFilter(async (context, next) =>
        {
            var auth = context.HttpContext.Request.Headers.Authorization.ToString();
            if (ForbiddenTokens.Keys.Any(t => auth.EndsWith(" " + t, StringComparison.Ordinal)))
            {
                return Results.Json(new { message = "Resource not accessible by personal access token", documentation_url = "https://docs.github.com/rest", status = "403" }, statusCode: 403);
            }

            return auth.EndsWith(" " + AcceptedToken, StringComparison.Ordinal)
                ? await next(context)
                : Results.Json(new { message = "Bad credentials", documentation_url = "https://docs.github.com/rest" }, statusCode: 401);
        });

        api.MapGet("/user", () => Results.Json(new { login = Login, id = 1, type = "User" }));

        api.MapGet("/repos/{owner}/{name}", (string owner, string name) =>
            CreatedRepos.TryGetValue($"{owner}/{name}", out var repo) ? Results.Json(repo) : Results.Json(new { message = "Not Found" }, statusCode: 404));

        api.MapPost("/user/repos", async (HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            var name = body.GetProperty("name").GetString()!;
            if (ForeignRepos.ContainsKey(name) || CreatedRepos.ContainsKey($"{Login}/{name}"))
            {
                return Results.Json(new
                {
                    message = "Repository creation failed.",
                    errors = new[] { new { resource = "Repository", code = "custom", field = "name", message = "name already exists on this account" } },
                }, statusCode: 422);
            }

            Repository.Init(BareRepositoryPath(Login, name), isBare: true);
            var repo = JsonSerializer.SerializeToElement(new
            {
                id = CreatedRepos.Count + 100,
                name,
                full_name = $"{Login}/{name}",
                @private = body.TryGetProperty("private", out var p) && p.GetBoolean(),
                owner = new { login = Login, id = 1, type = "User" },
                default_branch = "main",
            });
            CreatedRepos[$"{Login}/{name}"] = repo;
            return Results.Json(repo, statusCode: 201);
        });

        api.MapGet("/repos/{owner}/{name}/actions/secrets/public-key", (string owner, string name) =>
            Results.Json(new { key_id = SecretKeyId, key = Convert.ToBase64String(SecretKey.PublicKey) }));

        api.MapPut("/repos/{owner}/{name}/actions/secrets/{secret}", async (string owner, string name, string secret, HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            Secrets[($"{owner}/{name}", secret)] = (body.GetProperty("encrypted_value").GetString()!, body.GetProperty("key_id").GetString()!);
            return Results.StatusCode(201);
        });

        api.MapGet("/repos/{owner}/{name}/actions/secrets/{secret}", (string owner, string name, string secret) =>
            Secrets.ContainsKey(($"{owner}/{name}", secret))
                ? Results.Json(new { name = secret, created_at = "2026-01-01T00:00:00Z", updated_at = "2026-01-01T00:00:00Z" })
                : Results.Json(new { message = "Not Found" }, statusCode: 404));

        api.MapPost("/repos/{owner}/{name}/actions/workflows/{workflow}/dispatches", async (string owner, string name, string workflow, HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            Dispatches.Enqueue(($"{owner}/{name}", workflow, body));
            if (body.TryGetProperty("inputs", out var inputs) && inputs.TryGetProperty("build_id", out var id))
            {
                _dispatchWaiters.GetOrAdd(id.GetString()!, _ => new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(body);
            }

            return Results.NoContent();
        });

        api.MapPost("/repos/{owner}/{name}/hooks", async (string owner, string name, HttpRequest request) =>
        {
            var body = await JsonSerializer.DeserializeAsync<JsonElement>(request.Body);
            Hooks[$"{owner}/{name}"] = body;
            return Results.Json(new { id = 1, name = "web", active = true, events = body.GetProperty("events"), config = body.GetProperty("config"), created_at = "2026-01-01T00:00:00Z", updated_at = "2026-01-01T00:00:00Z" }, statusCode: 201);
        });

        api.MapPost("/repos/{owner}/{name}/actions/runs/{runId:long}/cancel", (string owner, string name, long runId) =>
        {
            Cancels.Enqueue(($"{owner}/{name}", runId));
            return Results.StatusCode(202);
        });
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        try
        {
            // libgit2 leaves read-only pack files.
            foreach (var file in Directory.EnumerateFiles(GitRoot, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal);
            }

            Directory.Delete(GitRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
