using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform.Tests;

public sealed class CloudJsonConsoleFormatterTests
{
    private static JsonElement Format(LogLevel level, Exception? exception, string projectId = "demo-p")
    {
        var monitor = new StaticMonitor(new CloudJsonConsoleFormatterOptions { ProjectId = projectId });
        using var formatter = new CloudJsonConsoleFormatter(monitor);
        var state = new List<KeyValuePair<string, object?>>
        {
            new("BuildId", "b-42"),
            new("Attempt", 2),
            new("{OriginalFormat}", "Build {BuildId} attempt {Attempt}"),
        };
        var entry = new LogEntry<List<KeyValuePair<string, object?>>>(
            level, "PocketCode.Builds", new EventId(7, "BuildFailed"), state, exception, (_, _) => "Build b-42 attempt 2");
        using var writer = new StringWriter();
        formatter.Write(entry, new LoggerExternalScopeProvider(), writer);
        var text = writer.ToString();
        Assert.EndsWith("\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', text.TrimEnd('\n').Replace("\\n", "", StringComparison.Ordinal));
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public void Writes_cloud_logging_fields_with_trace_correlation()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();

        var line = Format(LogLevel.Error, new InvalidOperationException("broken"));

        Assert.Equal("ERROR", line.GetProperty("severity").GetString());
        Assert.StartsWith("Build b-42 attempt 2\nSystem.InvalidOperationException: broken", line.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(activity.TraceId.ToHexString(), line.GetProperty("traceId").GetString());
        Assert.Equal(activity.SpanId.ToHexString(), line.GetProperty("spanId").GetString());
        Assert.Equal($"projects/demo-p/traces/{activity.TraceId.ToHexString()}", line.GetProperty("logging.googleapis.com/trace").GetString());
        Assert.Equal("PocketCode.Builds", line.GetProperty("category").GetString());
        Assert.Equal("BuildFailed", line.GetProperty("eventName").GetString());
        Assert.Equal("b-42", line.GetProperty("state").GetProperty("BuildId").GetString());
        Assert.Equal(2, line.GetProperty("state").GetProperty("Attempt").GetInt32());
    }

    [Theory]
    [InlineData(LogLevel.Debug, "DEBUG")]
    [InlineData(LogLevel.Information, "INFO")]
    [InlineData(LogLevel.Warning, "WARNING")]
    [InlineData(LogLevel.Critical, "CRITICAL")]
    public void Maps_levels_to_cloud_logging_severities(LogLevel level, string severity)
    {
        Assert.Equal(severity, Format(level, null).GetProperty("severity").GetString());
    }

    [Fact]
    public void Without_an_activity_no_trace_fields_are_written()
    {
        Activity.Current = null;

        var line = Format(LogLevel.Information, null);

        Assert.False(line.TryGetProperty("traceId", out _));
        Assert.False(line.TryGetProperty("logging.googleapis.com/trace", out _));
    }

    private sealed class StaticMonitor(CloudJsonConsoleFormatterOptions value) : IOptionsMonitor<CloudJsonConsoleFormatterOptions>
    {
        public CloudJsonConsoleFormatterOptions CurrentValue => value;

        public CloudJsonConsoleFormatterOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<CloudJsonConsoleFormatterOptions, string?> listener) => null;
    }
}
