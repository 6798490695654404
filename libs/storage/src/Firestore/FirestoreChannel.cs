using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using V1 = Google.Cloud.Firestore.V1;

namespace PocketCode.Storage.Firestore;

/// <summary>
/// The gRPC connection of <see cref="FirestoreDocumentStore"/>: against production TLS and an access
/// token from an <see cref="IAccessTokenSource"/> (the metadata server by default); against the
/// emulator plain HTTP/2 and the emulator's owner token. Every call carries the routing header.
/// </summary>
internal sealed class FirestoreChannel : IDisposable
{
    private const string ProductionAddress = "https://firestore.googleapis.com";

    private readonly GrpcChannel _channel;
    private readonly IAccessTokenSource? _tokenSource;
    private readonly bool _ownsTokenSource;

    /// <param name="databaseName"><c>projects/{project}/databases/{database}</c>.</param>
    public FirestoreChannel(FirestoreStoreOptions options, string databaseName)
    {
        var emulator = string.IsNullOrWhiteSpace(options.EmulatorHost) ? null : options.EmulatorHost.Trim();
        if (emulator is null)
        {
            _tokenSource = options.TokenSource ?? new MetadataServerTokenSource();
            _ownsTokenSource = options.TokenSource is null;
        }

        _channel = GoogleGrpcChannels.Create(ProductionAddress, emulator, _tokenSource);

        // Google's front end routes by this header. It is parsed like a query string, hence the encoding
        // ('/' may stay as it is, and keeps the value readable).
        var routing = "database=" + Uri.EscapeDataString(databaseName).Replace("%2F", "/", StringComparison.Ordinal);
        var invoker = _channel.Intercept(metadata =>
        {
            metadata.Add("x-goog-request-params", routing);
            if (emulator is not null)
            {
                // The emulator treats this token as the project owner, bypassing security rules.
                metadata.Add("authorization", "Bearer owner");
            }

            return metadata;
        });
        Client = new V1.Firestore.FirestoreClient(invoker);
    }

    public V1.Firestore.FirestoreClient Client { get; }

    public void Dispose()
    {
        _channel.Dispose();
        if (_ownsTokenSource)
        {
            (_tokenSource as IDisposable)?.Dispose();
        }
    }
}
