using System.Text.Json.Serialization;

namespace PocketCode.Storage.Queues;

/// <summary>Source-generated JSON of the queue's own data (attributes, push bodies), trimming- and AOT-safe.</summary>
[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(PubSub.PushBody))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class WorkQueueJson : JsonSerializerContext;
