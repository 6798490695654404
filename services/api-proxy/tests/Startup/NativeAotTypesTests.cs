using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.ApiProxy.Tests.Infrastructure;
using Xunit;
using static PocketCode.ApiProxy.Tests.Infrastructure.ProxyHttp;

namespace PocketCode.ApiProxy.Tests.Startup;

/// <summary>
/// Keeps <c>NativeAot.rd.xml</c> true: every generic type the container closes from an open
/// registration (<c>ILogger&lt;&gt;</c> → <c>Logger&lt;T&gt;</c>, <c>IOptions&lt;&gt;</c> → ...)
/// while the proxy starts and serves its first requests must be listed there, or the Native AOT
/// build builds it at run time with the type loader, which was a fifth of the cold start.
/// </summary>
public sealed class NativeAotTypesTests(NativeAotTypesTests.TracedProxyFactory factory) : IClassFixture<NativeAotTypesTests.TracedProxyFactory>
{
    [Fact]
    public async Task Every_generic_type_the_container_closes_at_start_and_on_first_requests_is_compiled_ahead_of_time()
    {
        using var client = await factory.CreateClientForAsync("aot-types");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/proxy/v1/usage", Ct)).StatusCode);
        using (var call = Post(GeminiPath(), GeminiBody("aot-types-call")))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(call, Ct)).StatusCode);
        }

        using (var stream = Post(GeminiPath(method: "streamGenerateContent"), GeminiBody("aot-types-stream")))
        {
            Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(stream, Ct)).StatusCode);
        }

        using (var bad = Post(GeminiPath(), "[1,2]"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(bad, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health/ready", Ct)).StatusCode);

        var listed = ListedTypes();
        // Only this host's container: other test classes' hosts run in parallel with other settings.
        var closedAtRunTime = factory.Trace.ClosedFromOpenRegistrations(factory.Services.GetHashCode(), factory.ClosedRegistrations);
        // Without this the test could pass by observing nothing (the event source's format changed).
        Assert.Contains("Microsoft.Extensions.Logging.Logger`1[PocketCode.ApiProxy.Proxy.ProxyService]", closedAtRunTime);
        var missing = closedAtRunTime.Where(t => !listed.Contains(t) && !IsTestOnly(t)).Order(StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, "Add these to services/api-proxy/src/NativeAot.rd.xml (or register them closed):\n" + string.Join('\n', missing));
    }

    /// <summary>The types rd.xml lists, each resolved (a misspelt one fails here as it fails the native compiler).</summary>
    private static HashSet<string> ListedTypes()
    {
        var document = XDocument.Load(Path.Combine(AppContext.BaseDirectory, "NativeAot.rd.xml"));
        var listed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var assembly in document.Descendants().Where(e => e.Name.LocalName == "Assembly"))
        {
            foreach (var type in assembly.Elements().Where(e => e.Name.LocalName == "Type"))
            {
                var name = $"{type.Attribute("Name")!.Value}, {assembly.Attribute("Name")!.Value}";
                var resolved = Type.GetType(name, throwOnError: false);
                Assert.True(resolved is not null, "NativeAot.rd.xml names a type that does not exist: " + name);
                listed.Add(resolved.ToString());
            }
        }

        Assert.NotEmpty(listed);
        return listed;
    }

    private static bool IsTestOnly(string type) =>
        type.Contains("PocketCode.Testing", StringComparison.Ordinal)
        || type.Contains(".Tests.", StringComparison.Ordinal)
        || type.Contains("Microsoft.AspNetCore.TestHost", StringComparison.Ordinal)
        || type.Contains("Microsoft.AspNetCore.Mvc.Testing", StringComparison.Ordinal);

    /// <summary>The proxy with the container's event source recorded from before its host is built.</summary>
    public sealed class TracedProxyFactory : ProxyFactory
    {
        private IServiceCollection? _services;

        public TracedProxyFactory()
        {
            Settings["Proxy:DailyTokenBudget"] = "1000000";
        }

        public ContainerTrace Trace { get; } = new();

        /// <summary>Service types registered closed: the container resolves these without closing anything.</summary>
        public IReadOnlySet<string> ClosedRegistrations =>
            _services!.Where(d => d.ServiceType.IsConstructedGenericType).Select(d => d.ServiceType.ToString()).ToHashSet(StringComparer.Ordinal);

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services => _services = services);
        }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            Trace.Dispose();
        }
    }

    /// <summary>
    /// Listens to Microsoft.Extensions.DependencyInjection's event source, whose CallSiteBuilt
    /// event describes each resolved service as JSON (in chunks when long).
    /// </summary>
    public sealed class ContainerTrace : EventListener
    {
        private readonly ConcurrentDictionary<(int Provider, string Service), string?[]> _chunks = new();

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            if (eventSource.Name == "Microsoft-Extensions-DependencyInjection")
            {
                EnableEvents(eventSource, EventLevel.Verbose);
            }
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (eventData.EventName != "CallSiteBuilt" || eventData.Payload is not { } payload || eventData.PayloadNames is not { } names)
            {
                return;
            }

            object? Field(string name) => payload[names.IndexOf(name)];
            var count = (int)Field("chunkCount")!;
            var parts = _chunks.GetOrAdd(((int)Field("serviceProviderHashCode")!, (string)Field("serviceType")!), _ => new string?[count]);
            lock (parts)
            {
                parts[(int)Field("chunkIndex")!] = (string)Field("callSite")!;
            }
        }

        /// <summary>Implementation types the container made by closing an open generic registration.</summary>
        public IReadOnlySet<string> ClosedFromOpenRegistrations(int serviceProviderHashCode, IReadOnlySet<string> closedRegistrations)
        {
            var closed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var parts in _chunks.Where(c => c.Key.Provider == serviceProviderHashCode).Select(c => c.Value))
            {
                string json;
                lock (parts)
                {
                    if (parts.Any(p => p is null))
                    {
                        continue;
                    }

                    json = string.Concat(parts);
                }

                using var document = JsonDocument.Parse(json);
                Walk(document.RootElement);
            }

            return closed;

            void Walk(JsonElement element)
            {
                if (element.ValueKind == JsonValueKind.Array)
                {
                    foreach (var item in element.EnumerateArray())
                    {
                        Walk(item);
                    }
                }

                if (element.ValueKind != JsonValueKind.Object)
                {
                    return;
                }

                if (element.TryGetProperty("serviceType", out var service)
                    && element.TryGetProperty("implementationType", out var implementation)
                    && implementation.GetString() is { } type
                    && type.Contains('`', StringComparison.Ordinal)
                    && !closedRegistrations.Contains(service.GetString()!))
                {
                    closed.Add(type);
                }

                foreach (var property in element.EnumerateObject())
                {
                    Walk(property.Value);
                }
            }
        }
    }
}
