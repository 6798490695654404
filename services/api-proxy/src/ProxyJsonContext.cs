using System.Text.Json;
using System.Text.Json.Serialization;
using PocketCode.ApiProxy.Usage;
using PocketCode.Platform;

namespace PocketCode.ApiProxy;

/// <summary>
/// Source-generated JSON for the types this service reads and writes (Native AOT has no
/// reflection-based serializer): its own, and those of the platform endpoints it maps.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UsageResponse))]
[JsonSerializable(typeof(WhoAmIResponse))]
[JsonSerializable(typeof(DevTokenRequest))]
[JsonSerializable(typeof(DevTokenResponse))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
