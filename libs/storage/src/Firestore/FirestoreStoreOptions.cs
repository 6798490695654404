namespace PocketCode.Storage.Firestore;

/// <summary>Where <see cref="FirestoreDocumentStore"/> connects.</summary>
public sealed class FirestoreStoreOptions
{
    /// <summary>The variable Google's tools set to point clients at the emulator.</summary>
    public const string EmulatorHostVariable = "FIRESTORE_EMULATOR_HOST";

    public const string DefaultDatabaseId = "(default)";

    /// <summary>The Google Cloud project that owns the database.</summary>
    public required string ProjectId { get; set; }

    public string DatabaseId { get; set; } = DefaultDatabaseId;

    /// <summary>
    /// <c>host:port</c> of a Firestore emulator (the value of <see cref="EmulatorHostVariable"/>).
    /// When set, the store talks plain HTTP/2 to it with the emulator's owner token instead of TLS and
    /// an access token from <see cref="TokenSource"/>.
    /// </summary>
    public string? EmulatorHost { get; set; }

    /// <summary>
    /// The production access token's source; null uses the metadata server
    /// (<see cref="MetadataServerTokenSource"/>, as on Cloud Run). Unused against the emulator.
    /// </summary>
    public IAccessTokenSource? TokenSource { get; set; }
}
