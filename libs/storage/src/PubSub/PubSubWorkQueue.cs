using Google.Cloud.PubSub.V1;
using Google.Protobuf;
using Grpc.Net.Client;
using PocketCode.Storage.Firestore;
using PocketCode.Storage.Queues;

namespace PocketCode.Storage.PubSub;

/// <summary>The resource names the Pub/Sub adapter uses (Terraform and the test fixture create them).</summary>
public static class PubSubNames
{
    public const string DeadLetterSuffix = "-dead-letter";

    public static string Topic(WorkQueueOptions options, string queue) =>
        $"projects/{options.ProjectId}/topics/{options.TopicPrefix}{queue}";

    public static string DeadLetterTopic(WorkQueueOptions options, string queue) => Topic(options, queue) + DeadLetterSuffix;

    public static string PushSubscription(WorkQueueOptions options, string queue) =>
        $"projects/{options.ProjectId}/subscriptions/{options.TopicPrefix}{queue}-push";

    public static string DeadLetterPushSubscription(WorkQueueOptions options, string queue) =>
        $"projects/{options.ProjectId}/subscriptions/{options.TopicPrefix}{queue}{DeadLetterSuffix}-push";

    /// <summary>The attribute carrying <see cref="WorkItem.Id"/> (Pub/Sub assigns its own message ids).</summary>
    public const string IdAttribute = WorkQueueNames.ReservedAttributePrefix + "id";

    /// <summary>The attribute repeating the ordering key, so the handler sees it on every transport.</summary>
    public const string OrderingKeyAttribute = WorkQueueNames.ReservedAttributePrefix + "ordering-key";
}

/// <summary>
/// The Pub/Sub <see cref="IWorkQueue"/>: publishes through the gRPC Publisher generated from Google's
/// pubsub.proto to <c>{prefix}{queue}</c>, with the ordering key where given (the push subscription
/// must enable message ordering). Delivery comes back as push requests to
/// <see cref="PubSubPushEndpoints"/>. Against production it sends the metadata server's access
/// token; against the emulator (<see cref="WorkQueueOptions.EmulatorHost"/>) plain HTTP/2.
/// </summary>
internal sealed class PubSubWorkQueue : IWorkQueue, IDisposable
{
    /// <summary>pubsub.proto's <c>google.api.default_host</c> (@google-cloud/pubsub 6.3.0, read 2026-12-08).</summary>
    private const string ProductionAddress = "https://pubsub.googleapis.com";

    private readonly WorkQueueOptions _options;
    private readonly GrpcChannel _channel;
    private readonly MetadataServerTokenSource? _tokenSource;

    public PubSubWorkQueue(WorkQueueOptions options)
    {
        _options = options;
        if (string.IsNullOrWhiteSpace(options.EmulatorHost))
        {
            _tokenSource = new MetadataServerTokenSource();
        }

        _channel = GoogleGrpcChannels.Create(ProductionAddress, options.EmulatorHost, _tokenSource);
        Publisher = new Publisher.PublisherClient(_channel);
        Subscriber = new Subscriber.SubscriberClient(_channel);
    }

    internal Publisher.PublisherClient Publisher { get; }

    /// <summary>For provisioning in tests; the service itself only publishes.</summary>
    internal Subscriber.SubscriberClient Subscriber { get; }

    public async Task<string> PublishAsync(string queue, WorkMessage message, CancellationToken cancellationToken = default)
    {
        WorkQueueNames.Validate(queue);
        WorkQueueNames.ValidateMessage(message);
        var pubsubMessage = new PubsubMessage { Data = ByteString.CopyFrom(message.Payload.Span), OrderingKey = message.OrderingKey ?? "" };
        foreach (var (name, value) in message.Attributes)
        {
            pubsubMessage.Attributes[name] = value;
        }

        pubsubMessage.Attributes[PubSubNames.IdAttribute] = message.Id;
        if (message.OrderingKey is not null)
        {
            // Also as an attribute: the emulator's push body leaves the message's orderingKey out.
            pubsubMessage.Attributes[PubSubNames.OrderingKeyAttribute] = message.OrderingKey;
        }
        var request = new PublishRequest { Topic = PubSubNames.Topic(_options, queue) };
        request.Messages.Add(pubsubMessage);
        await Publisher.PublishAsync(request, cancellationToken: cancellationToken);
        return message.Id;
    }

    public void Dispose()
    {
        _channel.Dispose();
        _tokenSource?.Dispose();
    }
}
