using System.Text.Json;
using System.Text.Json.Serialization;
using PocketCode.ApiProxy.Usage;

namespace PocketCode.ApiProxy;

/// <summary>Source-generated JSON for the proxy's own types (Native AOT has no reflection-based serializer).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(UsageResponse))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;
