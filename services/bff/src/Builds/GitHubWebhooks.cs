using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Bff.Builds;

/// <summary>
/// GitHub webhooks (<c>workflow_run</c>): verified by their HMAC-SHA256 signature, deduplicated by
/// delivery id (records expire through a TTL policy), and used to close builds whose workflow
/// ended without its final report (a runner that died, a cancelled run).
/// </summary>
internal sealed partial class GitHubWebhooks(IDocumentStore documents, BuildTransitions transitions, IOptions<BuildsOptions> options)
{
    public const string DeliveriesCollection = "github_webhook_deliveries";
    public const string ExpiresAt = "expiresAt";

    public async Task<IResult> ReceiveAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var secret = options.Value.WebhookSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return Problems.ServiceUnavailable("GitHub webhooks are not configured on this BFF (GITHUB_WEBHOOK_SECRET).");
        }

        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        var body = buffer.ToArray();
        var signature = request.Headers["X-Hub-Signature-256"].ToString();
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(signature), Encoding.ASCII.GetBytes(expected)))
        {
            return Problems.Unauthorized("The webhook's X-Hub-Signature-256 does not match its body.");
        }

        var delivery = request.Headers["X-GitHub-Delivery"].ToString();
        if (!DeliveryPattern().IsMatch(delivery))
        {
            return Problems.BadRequest("X-GitHub-Delivery is missing or malformed.");
        }

        try
        {
            await documents.CreateAsync(DeliveriesCollection + "/" + delivery, new Dictionary<string, object?>
            {
                ["event"] = request.Headers["X-GitHub-Event"].ToString(),
                ["receivedAt"] = FieldValue.ServerTimestamp,
                [ExpiresAt] = DateTimeOffset.UtcNow + options.Value.WebhookDeliveryLifetime,
            }, cancellationToken);
        }
        catch (DocumentAlreadyExistsException)
        {
            return TypedResults.Ok(new WebhookOutcome("duplicate", null));
        }

        if (request.Headers["X-GitHub-Event"] != "workflow_run")
        {
            return TypedResults.Ok(new WebhookOutcome("ignored", null));
        }

        JsonElement root;
        try
        {
            root = JsonDocument.Parse(body).RootElement;
        }
        catch (JsonException)
        {
            return Problems.BadRequest("The webhook body is not JSON.");
        }

        var outcome = await CloseIfSilentAsync(root, cancellationToken);
        return TypedResults.Ok(outcome);
    }

    private async Task<WebhookOutcome> CloseIfSilentAsync(JsonElement root, CancellationToken cancellationToken)
    {
        if (Text(root, "action") != "completed" || !root.TryGetProperty("workflow_run", out var run) || !run.TryGetProperty("id", out var idElement)
            || !idElement.TryGetInt64(out var runId) || !root.TryGetProperty("repository", out var repository))
        {
            return new WebhookOutcome("ignored", null);
        }

        var repoName = Text(repository, "full_name") ?? string.Empty;
        var conclusion = Text(run, "conclusion") ?? "unknown";
        var byRun = await documents.QueryAsync(new DocumentQuery(BuildStorage.Collection).Where(BuildDocuments.WorkflowRunId, FilterOperator.Equal, runId).Take(1), cancellationToken);
        var buildId = byRun.Documents.Count > 0 ? byRun.Documents[0].Id : BuildIdFromTitle(Text(run, "display_title"));
        if (buildId is null)
        {
            return new WebhookOutcome("ignored", null);
        }

        var result = await transitions.TransitionAsync(buildId, (build, _) =>
        {
            if (build.IsTerminal || build.GithubRepo is not { } repo || !string.Equals($"{repo.Owner}/{repo.Name}", repoName, StringComparison.OrdinalIgnoreCase)
                || (build.WorkflowRunId is { } bound && bound != runId))
            {
                return null;
            }

            if (conclusion == "cancelled")
            {
                return new BuildChange(BuildStates.Cancelled, new Dictionary<string, object?> { [BuildDocuments.WorkflowRunId] = runId }, "The workflow run was cancelled on GitHub.");
            }

            var error = new BuildError("workflow", BuildErrors.WorkflowVanished,
                $"The workflow run ended ({conclusion}) without reporting its result. Open run {runId} on GitHub to see what happened, then build again.");
            return new BuildChange(BuildStates.Failed, new Dictionary<string, object?>
            {
                [BuildDocuments.WorkflowRunId] = runId,
                [BuildDocuments.Error] = BuildDocuments.ErrorValue(error),
                [BuildDocuments.Step] = error.Step,
            }, error.Message);
        }, cancellationToken);
        return new WebhookOutcome(result is { Changed: true } ? "closed" : "ignored", buildId);
    }

    /// <summary>The workflow's <c>run-name</c> ends with the build id.</summary>
    private static string? BuildIdFromTitle(string? title) =>
        title is not null && TitleBuildId().Match(title) is { Success: true } m ? m.Groups[1].Value : null;

    private static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex DeliveryPattern();

    [GeneratedRegex("build ([A-Za-z0-9]{20})$")]
    private static partial Regex TitleBuildId();
}

internal sealed record WebhookOutcome(string Outcome, string? BuildId);
