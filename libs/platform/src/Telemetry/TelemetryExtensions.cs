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
        builder.Logging.AddOpenTelemetry(o =>
        {
            o.IncludeFormattedMessage = true;
            o.IncludeScopes = true;
        });

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
        }

        var telemetry = builder.Services.AddOpenTelemetry()
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
                .AddHttpClientInstrumentation());

        // The exporter reads the OTEL_EXPORTER_OTLP_* variables itself; without an endpoint there
        // is no collector to send to, so nothing is exported (locally and in tests).
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointKey]))
        {
            telemetry.UseOtlpExporter();
        }
    }
}
