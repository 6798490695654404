using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;

namespace PocketCode.Storage.Queues;

/// <summary>
/// Durable background work: an item published here is delivered at least once to the handler
/// registered for its queue (<see cref="WorkQueueServiceCollectionExtensions.AddWorkHandler"/>),
/// redelivered with back-off after a failure, an exception or a timeout, and handed to the queue's
/// dead-letter handler after the configured number of attempts. Handlers must therefore be
/// idempotent, keyed on <see cref="WorkItem.Id"/>.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue: the name says what it is.")]
public interface IWorkQueue
{
    /// <summary>Stores or sends the item durably before returning; returns its <see cref="WorkMessage.Id"/>.</summary>
    Task<string> PublishAsync(string queue, WorkMessage message, CancellationToken cancellationToken = default);
}

/// <summary>A piece of work to publish.</summary>
public sealed record WorkMessage
{
    /// <summary>
    /// The idempotency key the handler sees as <see cref="WorkItem.Id"/>. A caller that may publish the
    /// same work twice (a retried request) passes a stable id; by default a fresh one.
    /// </summary>
    public string Id { get; init; } = Guid.NewGuid().ToString("N");

    public ReadOnlyMemory<byte> Payload { get; init; }

    public IReadOnlyDictionary<string, string> Attributes { get; init; } = new Dictionary<string, string>();

    /// <summary>Items sharing a key are delivered one after another in publish order; null for no order.</summary>
    public string? OrderingKey { get; init; }

    public static WorkMessage FromJson<T>(T value, JsonTypeInfo<T> typeInfo) =>
        new() { Payload = JsonSerializer.SerializeToUtf8Bytes(value, typeInfo) };
}

/// <summary>A delivered item, as the handler sees it.</summary>
/// <param name="Attempt">1 for the first delivery; null when the transport does not say (Pub/Sub push without a dead-letter policy).</param>
public sealed record WorkItem(string Queue, string Id, ReadOnlyMemory<byte> Payload, IReadOnlyDictionary<string, string> Attributes, string? OrderingKey, int? Attempt)
{
    public T? PayloadAs<T>(JsonTypeInfo<T> typeInfo) => JsonSerializer.Deserialize(Payload.Span, typeInfo);
}

/// <summary>Does one queue's work. Returning acknowledges the item; throwing (or timing out) redelivers it.</summary>
public interface IWorkHandler
{
    Task HandleAsync(WorkItem item, CancellationToken cancellationToken);
}

/// <summary>
/// Called once an item has failed its last attempt (e.g. to fail the build with an error that says
/// so). Throwing makes the dead-letter delivery itself retry.
/// </summary>
public interface IDeadLetterHandler
{
    Task HandleAsync(WorkItem item, CancellationToken cancellationToken);
}

/// <summary>The name rule of queues and the attributes the adapters reserve.</summary>
public static partial class WorkQueueNames
{
    /// <summary>
    /// Attributes starting with this are the queue's own (a Pub/Sub message carries the item id in
    /// one); publishers may not set them.
    /// </summary>
    public const string ReservedAttributePrefix = "pocketcode-";

    /// <summary>
    /// Lower-case letters, digits and dashes, starting with a letter, at most 40 characters: valid in a
    /// URL path segment, a Pub/Sub topic name (with prefix and suffix) and a SQLite value as it is.
    /// </summary>
    public static bool IsValid(string? queue) => queue is not null && QueuePattern().IsMatch(queue);

    internal static void Validate(string queue)
    {
        if (!IsValid(queue))
        {
            throw new ArgumentException($"'{queue}' is not a queue name: use 1-40 lower-case letters, digits and dashes, starting with a letter.", nameof(queue));
        }
    }

    internal static void ValidateMessage(WorkMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (string.IsNullOrWhiteSpace(message.Id) || message.Id.Length > 200)
        {
            throw new ArgumentException("A work item id must be 1-200 characters.", nameof(message));
        }

        if (message.OrderingKey is { Length: 0 or > 1024 })
        {
            throw new ArgumentException("An ordering key must be 1-1024 characters, or null.", nameof(message));
        }

        if (message.Attributes.Keys.Any(key => string.IsNullOrEmpty(key) || key.StartsWith(ReservedAttributePrefix, StringComparison.Ordinal) || key.StartsWith("goog", StringComparison.Ordinal)))
        {
            // "goog" is Pub/Sub's own reserved prefix.
            throw new ArgumentException($"Attribute names must be non-empty and may not start with '{ReservedAttributePrefix}' or 'goog'.", nameof(message));
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex QueuePattern();
}
