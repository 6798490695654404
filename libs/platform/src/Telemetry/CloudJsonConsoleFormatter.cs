using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace PocketCode.Platform;

public sealed class CloudJsonConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Project id used to build <c>logging.googleapis.com/trace</c>; without it only <c>traceId</c> is written.</summary>
    public string? ProjectId { get; set; }
}

/// <summary>
/// One JSON object per line in the shape Cloud Logging understands on Cloud Run: <c>severity</c>
/// and <c>message</c> become the entry's level and text, and <c>logging.googleapis.com/trace</c>
/// links the line to its trace, so a request's logs and spans show together. Stack traces go into
/// <c>message</c>, where Error Reporting looks for them.
/// </summary>
internal sealed class CloudJsonConsoleFormatter : ConsoleFormatter, IDisposable
{
    public const string FormatterName = "pocketcode-json";

    private static readonly JsonWriterOptions WriterOptions = new() { Indented = false };

    private readonly IDisposable? _reload;
    private CloudJsonConsoleFormatterOptions _options;

    public CloudJsonConsoleFormatter(IOptionsMonitor<CloudJsonConsoleFormatterOptions> options)
        : base(FormatterName)
    {
        _options = options.CurrentValue;
        _reload = options.OnChange(o => _options = o);
    }

    public void Dispose() => _reload?.Dispose();

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (logEntry.Exception is null && message is null)
        {
            return;
        }

        var options = _options;
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow);
            json.WriteString("severity", Severity(logEntry.LogLevel));
            json.WriteString("message", logEntry.Exception is null ? message : $"{message}\n{logEntry.Exception}");
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0 || logEntry.EventId.Name is not null)
            {
                json.WriteNumber("eventId", logEntry.EventId.Id);
                if (logEntry.EventId.Name is { } eventName)
                {
                    json.WriteString("eventName", eventName);
                }
            }

            var scopes = new List<KeyValuePair<string, object?>>();
            string? traceId = null;
            string? spanId = null;
            scopeProvider?.ForEachScope(
                (scope, state) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                    {
                        foreach (var pair in pairs)
                        {
                            switch (pair.Key)
                            {
                                case "TraceId": traceId ??= pair.Value?.ToString(); break;
                                case "SpanId": spanId ??= pair.Value?.ToString(); break;
                                case "ParentId": break;
                                case "{OriginalFormat}": break;
                                default: state.Add(pair); break;
                            }
                        }
                    }
                    else if (scope is not null)
                    {
                        state.Add(new KeyValuePair<string, object?>("scope", scope.ToString()));
                    }
                },
                scopes);

            // Activity tracking puts the ids in a scope; a logger factory without it still has the activity.
            if (traceId is null && Activity.Current is { } activity && activity.TraceId != default)
            {
                traceId = activity.TraceId.ToHexString();
                spanId = activity.SpanId.ToHexString();
            }

            if (traceId is not null)
            {
                json.WriteString("traceId", traceId);
                if (spanId is not null)
                {
                    json.WriteString("spanId", spanId);
                }

                if (options.ProjectId is { Length: > 0 } projectId)
                {
                    json.WriteString("logging.googleapis.com/trace", $"projects/{projectId}/traces/{traceId}");
                    if (spanId is not null)
                    {
                        json.WriteString("logging.googleapis.com/spanId", spanId);
                    }
                }
            }

            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> properties && properties.Count > 0)
            {
                json.WriteStartObject("state");
                foreach (var (key, value) in properties)
                {
                    if (key != "{OriginalFormat}")
                    {
                        WriteValue(json, key, value);
                    }
                }

                json.WriteEndObject();
            }

            if (options.IncludeScopes && scopes.Count > 0)
            {
                json.WriteStartObject("scope");
                foreach (var (key, value) in scopes.DistinctBy(p => p.Key))
                {
                    WriteValue(json, key, value);
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        textWriter.Write(Encoding.UTF8.GetString(buffer.WrittenSpan));
        textWriter.Write('\n');
    }

    internal static string Severity(LogLevel level) => level switch
    {
        LogLevel.Trace or LogLevel.Debug => "DEBUG",
        LogLevel.Information => "INFO",
        LogLevel.Warning => "WARNING",
        LogLevel.Error => "ERROR",
        LogLevel.Critical => "CRITICAL",
        _ => "DEFAULT",
    };

    private static void WriteValue(Utf8JsonWriter json, string key, object? value)
    {
        switch (value)
        {
            case null: json.WriteNull(key); break;
            case bool b: json.WriteBoolean(key, b); break;
            case int i: json.WriteNumber(key, i); break;
            case long l: json.WriteNumber(key, l); break;
            case double d when double.IsFinite(d): json.WriteNumber(key, d); break;
            case decimal m: json.WriteNumber(key, m); break;
            case DateTimeOffset dto: json.WriteString(key, dto); break;
            case DateTime dt: json.WriteString(key, dt); break;
            case IFormattable f: json.WriteString(key, f.ToString(null, CultureInfo.InvariantCulture)); break;
            default: json.WriteString(key, value.ToString()); break;
        }
    }
}
