using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PocketCode.Platform;
using PocketCode.Storage.Blobs;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Firestore;
using PocketCode.Storage.Gcs;
using PocketCode.Storage.Local;
using PocketCode.Storage.Sqlite;

namespace PocketCode.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IDocumentStore"/> and <see cref="IBlobStore"/> with the adapters the
    /// configuration selects (<see cref="StorageOptions"/>), plus readiness checks for both.
    /// </summary>
    public static IHostApplicationBuilder AddPocketCodeStorage(this IHostApplicationBuilder builder)
    {
        AddPocketCodeDocumentStore(builder);
        builder.Services.AddSingleton<IBlobStore>(services =>
        {
            var options = services.GetRequiredService<StorageOptions>();
            return options.BlobStore switch
            {
                BlobStoreKind.Gcs => new GcsBlobStore(
                    new GcsBlobStoreOptions
                    {
                        ProjectId = options.ProjectId,
                        BucketPrefix = options.BucketPrefix,
                        EmulatorHost = options.StorageEmulatorHost,
                    },
                    services.GetService<ILogger<GcsBlobStore>>()),
                _ => new LocalBlobStore(new LocalBlobStoreOptions
                {
                    RootPath = Path.Combine(options.DataDirectory, "blobs"),
                    PublicBaseUrl = options.PublicBaseUrl ?? ListeningAddress(services),
                }),
            };
        });

        builder.Services.AddHealthChecks()
            .AddCheck<StoreHealthCheck<IBlobStore>>("blob-store", tags: ["ready"]);
        return builder;
    }

    /// <summary>
    /// Registers only <see cref="IDocumentStore"/> (SQLite or Firestore, as <see cref="StorageOptions"/>
    /// selects) and its readiness check, for services that keep no blobs. Unlike
    /// <see cref="AddPocketCodeStorage"/> it never reaches the Cloud Storage client, whose
    /// Newtonsoft.Json-based code is not Native AOT safe (the API proxy publishes AOT).
    /// </summary>
    public static IHostApplicationBuilder AddPocketCodeDocumentStore(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // Read from the built configuration, not now: a host made with CreateSlimBuilder (the API
        // proxy) adds the configuration of hosting startups only in Build(), so a setting read here
        // could miss it. StorageStartupCheck still resolves both at start-up, so a bad setting stops
        // the service before it listens, naming the setting.
        builder.Services.AddSingleton(services => StorageOptions.FromConfiguration(services.GetRequiredService<IConfiguration>()));
        builder.Services.AddSingleton<IDocumentStore>(provider =>
        {
            var options = provider.GetRequiredService<StorageOptions>();
            return options.DocumentStore switch
            {
                DocumentStoreKind.Firestore => new FirestoreDocumentStore(
                    new FirestoreStoreOptions
                    {
                        ProjectId = options.ProjectId,
                        DatabaseId = options.FirestoreDatabase,
                        EmulatorHost = options.FirestoreEmulatorHost,
                    },
                    provider.GetService<ILogger<FirestoreDocumentStore>>()),
                _ => new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(options.DataDirectory, "documents.db") }),
            };
        });
        builder.Services.AddHealthChecks()
            .AddCheck<StoreHealthCheck<IDocumentStore>>("document-store", tags: ["ready"]);
        builder.Services.AddHostedService<StorageStartupCheck>();

        // An unreachable document store is an outage the caller can wait out, not a server bug.
        builder.Services.AddProblemMapping<DocumentStoreUnavailableException>(_ => new ProblemException(
            503, ProblemCodes.ServiceUnavailable, "The data store is unavailable right now. Try again shortly."));
        return builder;
    }

    /// <summary>
    /// Maps what the selected adapters need served by the service itself: the local blob store's
    /// signed-URL endpoints (Cloud Storage serves its own).
    /// </summary>
    public static IEndpointRouteBuilder MapPocketCodeStorageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        if (endpoints.ServiceProvider.GetRequiredService<StorageOptions>().BlobStore == BlobStoreKind.Local)
        {
            endpoints.MapLocalBlobEndpoints();
        }

        return endpoints;
    }

    /// <summary>Signed local URLs point back at this service unless PUBLIC_BASE_URL says otherwise.</summary>
    private static Uri ListeningAddress(IServiceProvider services)
    {
        var address = services.GetService<IServer>()?.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        if (address is null)
        {
            return new Uri("http://127.0.0.1:8080/");
        }

        var uri = new Uri(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal).Replace("://0.0.0.0", "://127.0.0.1", StringComparison.Ordinal).Replace("://[::]", "://127.0.0.1", StringComparison.Ordinal));
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}

/// <summary>
/// Makes the host resolve the storage settings and the document store as it starts (see
/// AddPocketCodeDocumentStore): being constructed with both is the whole check.
/// </summary>
#pragma warning disable CS9113 // The parameters are only there to be resolved.
internal sealed class StorageStartupCheck(StorageOptions options, IDocumentStore documents) : IHostedService
#pragma warning restore CS9113
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Readiness of one store: healthy when its cheapest round trip succeeds.</summary>
internal sealed class StoreHealthCheck<TStore>(TStore store) : IHealthCheck
    where TStore : IStoreProbe
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.PingAsync(cancellationToken);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"The {context.Registration.Name} is not reachable.", ex);
        }
    }
}
