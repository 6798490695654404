using System.Security.Cryptography;
using Google.Apis.Auth.OAuth2;
using Google.Cloud.Storage.V1;
using PocketCode.Storage.Blobs;

namespace PocketCode.Storage.Gcs;

/// <summary>
/// V4 signed URLs for <see cref="GcsBlobStore"/>. Production: signed by the Application Default
/// Credentials identity, or by <see cref="GcsBlobStoreOptions.SigningServiceAccountEmail"/> through
/// IAM <c>signBlob</c>. Emulator: signed offline with an RSA key created in memory and pointed at the
/// emulator's address. The signer is created on first use.
/// </summary>
internal sealed class GcsUrlSigner : IDisposable
{
    private const string CloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform";

    private readonly GcsBlobStoreOptions _options;
    private readonly Uri? _emulatorBaseUri;
    private readonly AsyncLazy<UrlSigner> _signer;
    private RSA? _emulatorSigningKey;

    /// <param name="emulatorBaseUri">The emulator's base address, or <c>null</c> for Cloud Storage.</param>
    public GcsUrlSigner(GcsBlobStoreOptions options, Uri? emulatorBaseUri)
    {
        _options = options;
        _emulatorBaseUri = emulatorBaseUri;
        _signer = emulatorBaseUri is not null
            ? new AsyncLazy<UrlSigner>(_ => Task.FromResult(CreateEmulatorSigner()))
            : new AsyncLazy<UrlSigner>(CreateProductionSignerAsync);
    }

    /// <summary>Signs a URL for <paramref name="name"/> in the real bucket <paramref name="realBucket"/>.</summary>
    public async Task<Uri> SignAsync(string realBucket, string name, SignedUrlMethod method, TimeSpan lifetime, string? contentType, CancellationToken cancellationToken)
    {
        var template = UrlSigner.RequestTemplate
            .FromBucket(realBucket)
            .WithObjectName(name)
            .WithHttpMethod(method switch
            {
                SignedUrlMethod.Get => HttpMethod.Get,
                SignedUrlMethod.Put => HttpMethod.Put,
                _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
            });
        if (method == SignedUrlMethod.Put && !string.IsNullOrEmpty(contentType))
        {
            // Signed, so the uploader must send exactly this Content-Type.
            template = template.WithContentHeaders([new KeyValuePair<string, IEnumerable<string>>("Content-Type", [contentType])]);
        }

        var signOptions = UrlSigner.Options.FromDuration(lifetime).WithSigningVersion(SigningVersion.V4);
        if (_emulatorBaseUri is not null)
        {
            signOptions = signOptions
                .WithScheme(_emulatorBaseUri.Scheme)
                .WithHost(_emulatorBaseUri.Host)
                .WithPort(_emulatorBaseUri.Port);
        }

        var signer = await _signer.GetAsync(cancellationToken);
        var url = await signer.SignAsync(template, signOptions, cancellationToken);
        return new Uri(url);
    }

    public void Dispose() => _emulatorSigningKey?.Dispose();

    private UrlSigner CreateEmulatorSigner()
    {
        // The emulator does not check signatures; a throwaway key still yields genuine V4 URLs.
        _emulatorSigningKey = RSA.Create(2048);
        var email = _options.SigningServiceAccountEmail
            ?? $"emulator@{(string.IsNullOrEmpty(_options.ProjectId) ? "emulator" : _options.ProjectId)}.iam.gserviceaccount.com";
        var credential = new ServiceAccountCredential(new ServiceAccountCredential.Initializer(email)
        {
            Key = _emulatorSigningKey,
            ProjectId = _options.ProjectId,
        });
        return UrlSigner.FromCredential(credential);
    }

    private async Task<UrlSigner> CreateProductionSignerAsync(CancellationToken cancellationToken)
    {
        var credential = await GoogleCredential.GetApplicationDefaultAsync(cancellationToken);
        if (!string.IsNullOrWhiteSpace(_options.SigningServiceAccountEmail))
        {
            // Sign as that account through IAM signBlob (needs token-creator on it).
            var source = credential.IsCreateScopedRequired ? credential.CreateScoped(CloudPlatformScope) : credential;
            credential = source.Impersonate(new ImpersonatedCredential.Initializer(_options.SigningServiceAccountEmail.Trim())
            {
                Scopes = [CloudPlatformScope],
            });
        }

        // Service-account keys sign locally; compute (Cloud Run) credentials sign via signBlob.
        return UrlSigner.FromCredential(credential);
    }
}
