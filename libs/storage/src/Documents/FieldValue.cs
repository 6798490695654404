namespace PocketCode.Storage.Documents;

/// <summary>
/// Sentinels placed as field values in writes to ask the store for an atomic transform, as Firestore's
/// field transforms do. They are never returned by reads.
/// </summary>
public abstract record FieldValue
{
    private protected FieldValue()
    {
    }

    /// <summary>
    /// The time the store processed the write, set by the store: at or shortly before the write's
    /// commit time (Firestore stamps it when it starts handling the write, to the millisecond).
    /// </summary>
    public static FieldValue ServerTimestamp { get; } = new ServerTimestampValue();

    /// <summary>Removes the field (only in updates).</summary>
    public static FieldValue Delete { get; } = new DeleteValue();

    /// <summary>Adds to a numeric field atomically; a missing or non-numeric field counts as 0.</summary>
    public static FieldValue Increment(long by) => new IncrementValue(by);

    /// <inheritdoc cref="Increment(long)"/>
    public static FieldValue Increment(double by) => new IncrementValue(by);

    public sealed record ServerTimestampValue : FieldValue;

    public sealed record DeleteValue : FieldValue;

    /// <summary><see cref="By"/> is a <see cref="long"/> or a <see cref="double"/>.</summary>
    public sealed record IncrementValue(object By) : FieldValue;
}
