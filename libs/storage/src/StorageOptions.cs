using Microsoft.Extensions.Configuration;

namespace PocketCode.Storage;

public enum DocumentStoreKind
{
    Sqlite,
    Firestore,
}

public enum BlobStoreKind
{
    Local,
    Gcs,
}

/// <summary>
/// Which adapters a service uses, read from plain environment-style keys so Cloud Run and the local
/// run share one vocabulary. With nothing set, both stores are embedded under <see cref="DataDirectory"/>.
/// </summary>
public sealed class StorageOptions
{
    public DocumentStoreKind DocumentStore { get; init; }

    public BlobStoreKind BlobStore { get; init; }

    public required string DataDirectory { get; init; }

    public required string ProjectId { get; init; }

    public string FirestoreDatabase { get; init; } = "(default)";

    public string? FirestoreEmulatorHost { get; init; }

    public string? StorageEmulatorHost { get; init; }

    public string BucketPrefix { get; init; } = string.Empty;

    public Uri? PublicBaseUrl { get; init; }

    public static StorageOptions FromConfiguration(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var firestoreEmulator = NullIfEmpty(configuration["FIRESTORE_EMULATOR_HOST"]);
        var storageEmulator = NullIfEmpty(configuration["STORAGE_EMULATOR_HOST"]);
        var documentStore = ParseKind(configuration, "DOCUMENT_STORE", firestoreEmulator is null ? DocumentStoreKind.Sqlite : DocumentStoreKind.Firestore);
        var blobStore = ParseKind(configuration, "BLOB_STORE", storageEmulator is null ? BlobStoreKind.Local : BlobStoreKind.Gcs);
        var publicBaseUrl = NullIfEmpty(configuration["PUBLIC_BASE_URL"]);
        return new StorageOptions
        {
            DocumentStore = documentStore,
            BlobStore = blobStore,
            DataDirectory = Path.GetFullPath(NullIfEmpty(configuration["POCKETCODE_DATA_DIR"]) ?? ".data"),
            ProjectId = NullIfEmpty(configuration["GOOGLE_CLOUD_PROJECT"]) ?? "demo-pocketcode",
            FirestoreDatabase = NullIfEmpty(configuration["FIRESTORE_DATABASE"]) ?? "(default)",
            FirestoreEmulatorHost = firestoreEmulator,
            StorageEmulatorHost = storageEmulator,
            BucketPrefix = configuration["GCS_BUCKET_PREFIX"] ?? string.Empty,
            PublicBaseUrl = publicBaseUrl is null ? null : new Uri(publicBaseUrl.TrimEnd('/') + "/"),
        };
    }

    private static T ParseKind<T>(IConfiguration configuration, string key, T fallback)
        where T : struct, Enum
    {
        var raw = NullIfEmpty(configuration[key]);
        if (raw is null)
        {
            return fallback;
        }

        return Enum.TryParse<T>(raw, ignoreCase: true, out var kind) && Enum.IsDefined(kind)
            ? kind
            : throw new InvalidOperationException($"{key} must be one of {string.Join(", ", Enum.GetNames<T>()).ToLowerInvariant()}; it is '{raw}'.");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
