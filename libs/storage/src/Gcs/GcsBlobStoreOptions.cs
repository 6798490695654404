namespace PocketCode.Storage.Gcs;

/// <summary>Settings of <see cref="GcsBlobStore"/>.</summary>
public sealed class GcsBlobStoreOptions
{
    /// <summary>The name of the environment variable Google's tools use for the emulator's <c>host:port</c>.</summary>
    public const string EmulatorHostVariable = "STORAGE_EMULATOR_HOST";

    /// <summary>The Google Cloud project owning the buckets.</summary>
    public string ProjectId { get; set; } = "";

    /// <summary>
    /// Prepended to each logical bucket name (DESIGN.md §3) to form the real bucket name, e.g.
    /// <c>"myproj-"</c> + <c>"build-artifacts"</c>. Bucket names are global, hence the prefix.
    /// </summary>
    public string BucketPrefix { get; set; } = "";

    /// <summary>
    /// <c>host:port</c> of a Cloud Storage emulator (what <c>STORAGE_EMULATOR_HOST</c> holds). When set,
    /// the store talks plain HTTP to <c>http://HOST/</c> without credentials and signs URLs offline
    /// with an RSA key created in memory (the emulator does not verify signatures).
    /// </summary>
    public string? EmulatorHost { get; set; }

    /// <summary>
    /// The service account whose identity signed URLs carry. Production only: when set, the
    /// Application Default Credentials impersonate it and sign through the IAM Credentials
    /// <c>signBlob</c> API (the caller needs <c>roles/iam.serviceAccountTokenCreator</c> on it);
    /// when absent, the ADC credential signs directly (a service-account key signs locally, the
    /// Cloud Run / GCE metadata credential signs as its own account through <c>signBlob</c>).
    /// With an emulator it only names the in-memory signing identity.
    /// </summary>
    public string? SigningServiceAccountEmail { get; set; }

    /// <summary>
    /// Size of each request of a resumable upload, a multiple of 256 KiB; <c>null</c> keeps the
    /// client library's default (10 MiB). Uploads never buffer more than one chunk.
    /// </summary>
    public int? UploadChunkSize { get; set; }
}
