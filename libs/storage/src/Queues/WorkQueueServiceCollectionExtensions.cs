using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using PocketCode.Storage.PubSub;

namespace PocketCode.Storage.Queues;

public static class WorkQueueServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="IWorkQueue"/> with the adapter <see cref="WorkQueueOptions"/> selects:
    /// embedded in the document store's SQLite file with an in-process dispatcher (default), or
    /// Pub/Sub when <c>PUBSUB_TOPIC_PREFIX</c> is set (deliveries then arrive on the endpoints
    /// <see cref="PubSubPushEndpoints.MapWorkQueuePush"/> maps). Bad settings stop start-up, named.
    /// </summary>
    public static IHostApplicationBuilder AddPocketCodeWorkQueue(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(services => StorageOptions.FromConfiguration(services.GetRequiredService<IConfiguration>()));
        builder.Services.TryAddSingleton(services => WorkQueueOptions.FromConfiguration(services.GetRequiredService<IConfiguration>(), services.GetRequiredService<StorageOptions>()));
        AddWorkQueueCore(builder.Services);
        return builder;
    }

    /// <summary>The registrations behind <see cref="AddPocketCodeWorkQueue"/> for given options (tests, tools).</summary>
    public static IServiceCollection AddPocketCodeWorkQueue(this IServiceCollection services, WorkQueueOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddSingleton(options);
        AddWorkQueueCore(services);
        return services;
    }

    /// <summary>Registers the handler of <paramref name="queue"/> (scoped: one per delivery).</summary>
    public static IServiceCollection AddWorkHandler<THandler>(this IServiceCollection services, string queue)
        where THandler : class, IWorkHandler
    {
        WorkQueueNames.Validate(queue);
        services.AddKeyedScoped<IWorkHandler, THandler>(queue);
        services.AddSingleton(new WorkQueueRegistration(queue));
        return services;
    }

    /// <summary>Registers an existing handler instance for <paramref name="queue"/>.</summary>
    public static IServiceCollection AddWorkHandler(this IServiceCollection services, string queue, IWorkHandler handler)
    {
        WorkQueueNames.Validate(queue);
        services.AddKeyedSingleton(queue, handler);
        services.AddSingleton(new WorkQueueRegistration(queue));
        return services;
    }

    /// <summary>Registers what runs once an item of <paramref name="queue"/> has failed its last attempt.</summary>
    public static IServiceCollection AddDeadLetterHandler<THandler>(this IServiceCollection services, string queue)
        where THandler : class, IDeadLetterHandler
    {
        WorkQueueNames.Validate(queue);
        services.AddKeyedScoped<IDeadLetterHandler, THandler>(queue);
        return services;
    }

    public static IServiceCollection AddDeadLetterHandler(this IServiceCollection services, string queue, IDeadLetterHandler handler)
    {
        WorkQueueNames.Validate(queue);
        services.AddKeyedSingleton(queue, handler);
        return services;
    }

    private static void AddWorkQueueCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<WorkDelivery>();
        services.TryAddSingleton<IWorkQueue>(provider =>
        {
            var options = provider.GetRequiredService<WorkQueueOptions>();
            return options.Kind == WorkQueueKind.PubSub
                ? ActivatorUtilities.CreateInstance<PubSubWorkQueue>(provider)
                : ActivatorUtilities.CreateInstance<SqliteWorkQueue>(provider);
        });
        services.TryAddSingleton<PushTokenValidator>();
        services.AddHostedService<WorkQueueStartupCheck>();
        services.AddHostedService<EmbeddedWorkDispatcher>();
    }
}

/// <summary>
/// Validates the queue's settings as the host starts, before it listens, so a bad setting stops the
/// service with every problem named; also creates the adapter (the SQLite tables) at once.
/// </summary>
internal sealed class WorkQueueStartupCheck(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var options = services.GetRequiredService<WorkQueueOptions>();
        var environment = services.GetService<IHostEnvironment>();
        var problems = options.Problems(environment?.IsDevelopment() ?? false);
        if (problems.Count > 0)
        {
            throw new InvalidOperationException("The work queue is misconfigured: " + string.Join(" ", problems));
        }

        _ = services.GetRequiredService<IWorkQueue>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
