using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Logging;

namespace PocketCode.Testing;

/// <summary>
/// A logger provider that keeps every log line (all categories, all levels) so tests can prove
/// that no secret reaches a log: <c>builder.ConfigureLogging(l =&gt; l.AddProvider(capture))</c>.
/// </summary>
public sealed class LogCapture(int maxLines = int.MaxValue, Action<string>? observer = null) : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private int _count;

    /// <summary>
    /// The log lines of every service host this test process started: each <see cref="ServiceFactory{TProgram}"/>
    /// installs it. Every line is checked for secrets as it is written (<see cref="SecretScan"/>); the
    /// first 50,000 are also kept for secrets registered later.
    /// </summary>
    public static LogCapture Suite { get; } = new(50_000, SecretScan.Inspect);

    public IReadOnlyCollection<string> Lines => _lines;

    /// <summary>
    /// Host settings that let every category log at every level: Default, the broader framework
    /// categories, and each category the services' appsettings.json sets (the most specific rule
    /// wins, so each of those must be raised by name).
    /// </summary>
    public static void AllLevels(IDictionary<string, string?> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        foreach (var category in (string[])["Default", "Microsoft", "Microsoft.AspNetCore", "Polly", "System.Net.Http", "System.Net.Http.HttpClient"])
        {
            settings["Logging:LogLevel:" + category] = "Trace";
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, this);

    private void Add(string line)
    {
        observer?.Invoke(line);
        if (Interlocked.Increment(ref _count) <= maxLines)
        {
            _lines.Enqueue(line);
        }
    }

    public void Dispose()
    {
    }

    private sealed class Logger(string category, LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var text = new StringBuilder().Append(category).Append(' ').Append(logLevel).Append(": ").Append(formatter(state, exception));
            if (state is IEnumerable<KeyValuePair<string, object?>> properties)
            {
                foreach (var (key, value) in properties)
                {
                    text.Append(" |").Append(key).Append('=').Append(value);
                }
            }

            if (exception is not null)
            {
                text.Append(' ').Append(exception);
            }

            capture.Add(text.ToString());
        }
    }
}
