using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;

namespace PocketCode.AppHost;

/// <summary>
/// Copies each resource's console output to this console as "[name] line", so a headless run still
/// shows what the services log.
/// </summary>
internal static partial class ResourceLogPrinter
{
    private static readonly Lock ConsoleLock = new();

    /// <summary>
    /// Follows the resources named in <paramref name="resourceNames"/>. Logs are kept per running
    /// instance (its resource id, e.g. "bff-x7k2"), so instances are discovered from the resource
    /// notifications as the orchestrator creates them.
    /// </summary>
    public static Task Start(ResourceNotificationService notifications, ResourceLoggerService logs, IReadOnlyCollection<string> resourceNames, CancellationToken stopping)
    {
        var width = resourceNames.Max(n => n.Length);
        return Task.Run(async () =>
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var printers = new List<Task>();
            try
            {
                await foreach (var update in notifications.WatchAsync(stopping))
                {
                    if (resourceNames.Contains(update.Resource.Name) && seen.Add(update.ResourceId))
                    {
                        var prefix = $"[{update.Resource.Name}]".PadRight(width + 3);
                        var id = update.ResourceId;
                        printers.Add(Task.Run(() => Print(logs, id, prefix, stopping), CancellationToken.None));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Shutting down.
            }

            await Task.WhenAll(printers);
        }, CancellationToken.None);
    }

    private static async Task Print(ResourceLoggerService logs, string resourceId, string prefix, CancellationToken stopping)
    {
        try
        {
            await foreach (var batch in logs.WatchAsync(resourceId).WithCancellation(stopping))
            {
                lock (ConsoleLock)
                {
                    foreach (var line in batch)
                    {
                        if (line.Content.Contains("No custom certificate authorities to configure", StringComparison.Ordinal))
                        {
                            continue;
                        }

                        var text = Timestamp().Replace(line.Content, string.Empty, 1);
                        (line.IsErrorMessage ? Console.Error : Console.Out).WriteLine(prefix + text);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Shutting down.
        }
    }

    // The orchestrator prefixes every line with an ISO-8601 UTC timestamp; the services log their own.
    [GeneratedRegex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z ")]
    private static partial Regex Timestamp();
}
