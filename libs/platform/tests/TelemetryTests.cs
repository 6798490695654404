using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using PocketCode.Platform.Tests.Infrastructure;

namespace PocketCode.Platform.Tests;

public sealed class TelemetryTests
{
    [Theory]
    [InlineData("Production", true)]
    [InlineData("Staging", true)]
    [InlineData("Development", false)]
    public async Task Console_logs_are_cloud_json_outside_development(string environment, bool json)
    {
        var builder = TestApp.CreateBuilder(environment);
        builder.AddServiceDefaults(TestApp.ServiceName);
        await using var app = builder.Build();

        var formatterName = app.Services.GetRequiredService<IOptions<ConsoleLoggerOptions>>().Value.FormatterName;

        Assert.Equal(json, formatterName == CloudJsonConsoleFormatter.FormatterName);
        Assert.Equal(json, app.Services.GetServices<ConsoleFormatter>().Any(f => f.Name == CloudJsonConsoleFormatter.FormatterName));
    }

    [Fact]
    public async Task Cloud_json_formatter_gets_the_project_id_for_trace_links()
    {
        var builder = TestApp.CreateBuilder("Production");
        builder.AddServiceDefaults(TestApp.ServiceName);
        await using var app = builder.Build();

        Assert.Equal(TestApp.ProjectId, app.Services.GetRequiredService<IOptionsMonitor<CloudJsonConsoleFormatterOptions>>().CurrentValue.ProjectId);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public void Otlp_exporter_is_added_only_when_an_endpoint_is_configured(string endpoint, bool expected)
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint });
        builder.AddServiceDefaults(TestApp.ServiceName);

        var otlp = builder.Services.Any(d =>
            FromOtlpAssembly(d.ServiceType) || FromOtlpAssembly(d.ImplementationType) || FromOtlpAssembly(d.ImplementationFactory?.Method.DeclaringType));

        Assert.Equal(expected, otlp);
    }

    [Theory]
    [InlineData("", false)]
    [InlineData("http://127.0.0.1:4317", true)]
    public async Task Spans_and_metrics_are_recorded_only_when_there_is_a_collector_to_send_them_to(string endpoint, bool expected)
    {
        var builder = TestApp.CreateBuilder("Production", new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = endpoint });
        builder.AddServiceDefaults(TestApp.ServiceName);
        await using var app = builder.Build();

        Assert.Equal(expected, app.Services.GetService<OpenTelemetry.Trace.TracerProvider>() is not null);
        Assert.Equal(expected, app.Services.GetService<OpenTelemetry.Metrics.MeterProvider>() is not null);
    }

    private static bool FromOtlpAssembly(Type? type) =>
        type?.Assembly.GetName().Name == "OpenTelemetry.Exporter.OpenTelemetryProtocol";
}
