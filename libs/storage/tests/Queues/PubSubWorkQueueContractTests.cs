using Google.Cloud.PubSub.V1;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PocketCode.Storage.PubSub;
using PocketCode.Storage.Queues;
using Xunit;

namespace PocketCode.Storage.Tests.Queues;

/// <summary>
/// The contract on Pub/Sub: the emulator pushes to a real service on 127.0.0.1 that maps
/// <see cref="PubSubPushEndpoints.MapWorkQueuePush"/>. The emulator signs no push tokens, so these
/// run with the token check switched off (allowed in Development only); <see cref="PushTokenTests"/>
/// covers the check.
/// </summary>
public sealed class PubSubWorkQueueContractTests(PubSubEmulatorFixture emulator) : WorkQueueContract, IClassFixture<PubSubEmulatorFixture>
{
    protected override bool DeliversExactlyOnceWhenHandlersSucceed => false;

    internal override async Task<IQueueHarness> StartAsync(string queue, RecordingHandler handler, RecordingHandler deadLetters, bool ordered)
    {
        var options = new WorkQueueOptions
        {
            Kind = WorkQueueKind.PubSub,
            ProjectId = "demo-pocketcode",
            TopicPrefix = "t" + Guid.NewGuid().ToString("N")[..8] + "-",
            EmulatorHost = emulator.Host,
            MaxAttempts = MaxAttempts,
            HandlerTimeout = HandlerTimeout,
            PushAuthenticationDisabled = true,
        };
        var app = PushService.Create(options, services => services.AddWorkHandler(queue, handler).AddDeadLetterHandler(queue, deadLetters));
        await app.StartAsync(Ct);
        try
        {
            await ProvisionAsync((PubSubWorkQueue)app.Services.GetRequiredService<IWorkQueue>(), options, queue, new Uri(app.Urls.First()), ordered);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new AppHarness(app);
    }

    /// <summary>What Terraform creates in production: the topic, its dead-letter topic and a push subscription on each.</summary>
    private static async Task ProvisionAsync(PubSubWorkQueue client, WorkQueueOptions options, string queue, Uri service, bool ordered)
    {
        await client.Publisher.CreateTopicAsync(new Topic { Name = PubSubNames.Topic(options, queue) }, cancellationToken: Ct);
        await client.Publisher.CreateTopicAsync(new Topic { Name = PubSubNames.DeadLetterTopic(options, queue) }, cancellationToken: Ct);
        await client.Subscriber.CreateSubscriptionAsync(new Subscription
        {
            Name = PubSubNames.DeadLetterPushSubscription(options, queue),
            Topic = PubSubNames.DeadLetterTopic(options, queue),
            PushConfig = new PushConfig { PushEndpoint = new Uri(service, $"internal/queues/{queue}{PubSubNames.DeadLetterSuffix}").ToString() },
            AckDeadlineSeconds = 10,
        }, cancellationToken: Ct);
        await client.Subscriber.CreateSubscriptionAsync(new Subscription
        {
            Name = PubSubNames.PushSubscription(options, queue),
            Topic = PubSubNames.Topic(options, queue),
            PushConfig = new PushConfig { PushEndpoint = new Uri(service, $"internal/queues/{queue}").ToString() },
            AckDeadlineSeconds = 10,
            // The emulator (cloud-pubsub-emulator 0.8.20) never dead-letters from an ordered
            // subscription (seen 2026-12-08: five failed pushes, then nothing on the dead-letter
            // topic), so only the queue that tests ordering gets it.
            EnableMessageOrdering = ordered,
            RetryPolicy = new RetryPolicy { MinimumBackoff = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)), MaximumBackoff = Duration.FromTimeSpan(TimeSpan.FromSeconds(1)) },
            DeadLetterPolicy = new DeadLetterPolicy { DeadLetterTopic = PubSubNames.DeadLetterTopic(options, queue), MaxDeliveryAttempts = options.MaxAttempts },
        }, cancellationToken: Ct);
    }

    private sealed class AppHarness(WebApplication app) : IQueueHarness
    {
        public IWorkQueue Queue => app.Services.GetRequiredService<IWorkQueue>();

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}

/// <summary>A service on a free 127.0.0.1 port with the work queue and its push endpoints, as a BFF would map them.</summary>
internal static class PushService
{
    public static WebApplication Create(WorkQueueOptions options, Action<IServiceCollection> handlers)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddPocketCodeWorkQueue(options);
        handlers(builder.Services);
        var app = builder.Build();
        app.MapWorkQueuePush();
        return app;
    }
}
