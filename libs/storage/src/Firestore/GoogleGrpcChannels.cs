using Grpc.Core;
using Grpc.Net.Client;

namespace PocketCode.Storage.Firestore;

/// <summary>
/// The one recipe for a gRPC channel to a Google API (Firestore, Pub/Sub): against production TLS
/// with an access token from an <see cref="IAccessTokenSource"/> on every call; against an
/// emulator plain HTTP/2 without credentials. A cancelled call throws
/// <see cref="OperationCanceledException"/>, as every other store call does.
/// </summary>
internal static class GoogleGrpcChannels
{
    /// <param name="productionAddress">The API's address, e.g. https://firestore.googleapis.com.</param>
    /// <param name="emulatorHost">host:port (or a URL) of an emulator; null or blank for production.</param>
    /// <param name="tokenSource">The access tokens for production; unused for an emulator.</param>
    public static GrpcChannel Create(string productionAddress, string? emulatorHost, IAccessTokenSource? tokenSource)
    {
        var handler = new SocketsHttpHandler
        {
            // One HTTP/2 connection caps concurrent streams (100 by default); bursts of parallel
            // calls would otherwise queue behind it.
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(30),
        };

        if (string.IsNullOrWhiteSpace(emulatorHost))
        {
            ArgumentNullException.ThrowIfNull(tokenSource);
            return GrpcChannel.ForAddress(productionAddress, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                ThrowOperationCanceledOnCancellation = true,
                // Never cached here when it failed: the source retries on the next call, so readiness
                // recovers once the metadata server answers.
                Credentials = ChannelCredentials.Create(ChannelCredentials.SecureSsl, CallCredentials.FromInterceptor(async (context, metadata) =>
                    metadata.Add("authorization", "Bearer " + await tokenSource.GetAccessTokenAsync(context.CancellationToken)))),
            });
        }

        var emulator = emulatorHost.Trim();
        return GrpcChannel.ForAddress(emulator.Contains("://", StringComparison.Ordinal) ? emulator : "http://" + emulator, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            ThrowOperationCanceledOnCancellation = true,
            Credentials = ChannelCredentials.Insecure,
        });
    }
}
