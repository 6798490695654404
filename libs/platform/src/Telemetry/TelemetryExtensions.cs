using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace PocketCode.Platform;

internal static class TelemetryExtensions
{
    public const string OtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Cloud Run names the running revision; it is the closest thing to a deployed version.
    public const string RevisionKey = "K_REVISION";

    public static void AddPlatformTelemetry(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        // Development keeps the readable console; elsewhere stdout goes to Cloud Logging, which
        // parses one JSON object per line. An explicit Logging:Console:FormatterName still wins.
        if (!builder.Environment.IsDevelopment() && string.IsNullOrEmpty(builder.Configuration["Logging:Console:FormatterName"]))
        {
            // What AddConsoleFormatter<TFormatter, TOptions>() does, spelled out: that helper binds
            // its options by reflection, which Native AOT services (the API proxy) cannot use; this
            // Bind call is compiled by the configuration binding source generator instead.
            builder.Logging.AddConsole();
            builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ConsoleFormatter, CloudJsonConsoleFormatter>());
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = CloudJsonConsoleFormatter.FormatterName);
            builder.Services.AddOptions<CloudJsonConsoleFormatterOptions>()
                .Bind(builder.Configuration.GetSection("Logging:Console:FormatterOptions"))
                .Configure<IConfiguration>((o, configuration) => o.ProjectId ??= configuration[PlatformOptions.ProjectIdKey]);
            builder.Services.AddAheadOfTimeOptions<CloudJsonConsoleFormatterOptions>();
        }

        // Without a collector endpoint nothing would be exported, yet the SDK would still record a
        // span and metric points for every request and every outgoing call: on one CPU that was a
        // third of the API proxy's throughput (docs/benchmarks.md, "API proxy"). So the SDK is only
        // added when there is somewhere to send to (the Aspire AppHost, a collector on Cloud Run).
        // Logs keep their trace ids either way: ASP.NET Core starts a request activity for logging
        // scopes, and from an incoming traceparent header.
        // The exporter reads the OTEL_EXPORTER_OTLP_* variables (and OTEL_TRACES_SAMPLER) itself.
        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            return;
        }

        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName,
                serviceVersion: builder.Configuration[RevisionKey],
                autoGenerateServiceInstanceId: true))
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(serviceName))
            .WithTracing(tracing => tracing
                .AddSource(serviceName)
                // Probes hit health endpoints every few seconds; their spans are noise.
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !HealthEndpoints.IsHealthPath(context.Request.Path))
                .AddHttpClientInstrumentation())
            .UseOtlpExporter();
    }
}
