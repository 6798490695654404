using StackExchange.Redis;

namespace PocketCode.ApiProxy.Redis;

/// <summary>
/// The one Redis connection of the proxy (when <c>Redis:ConnectionString</c> is set), shared by
/// HybridCache's second level and the rate limiter. Connected on first use, never at start-up
/// (cold start), and configured to fail fast instead of queueing commands while Redis is down,
/// so callers can fall back to memory at once. Tracks the up/down state to log each change once.
/// </summary>
internal sealed partial class RedisConnection : IAsyncDisposable
{
    public const string ConfigurationKey = "Redis:ConnectionString";

    private readonly ConfigurationOptions _configuration;
    private readonly ILogger<RedisConnection> _logger;
    private readonly Lock _gate = new();
    private Task<IConnectionMultiplexer>? _connection;
    private int _down;

    public RedisConnection(string connectionString, ILogger<RedisConnection> logger)
    {
        _configuration = ConfigurationOptions.Parse(connectionString);
        // Keep trying in the background rather than failing the first caller for good, and never
        // hold commands in a backlog while disconnected: the proxy falls back instead of waiting.
        _configuration.AbortOnConnectFail = false;
        _configuration.BacklogPolicy = BacklogPolicy.FailFast;
        if (!connectionString.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            _configuration.ConnectTimeout = 2000;
        }

        _logger = logger;
    }

    /// <summary>The multiplexer (connecting on the first call); commands on it throw while Redis is unreachable.</summary>
    public Task<IConnectionMultiplexer> GetAsync()
    {
        lock (_gate)
        {
            return _connection ??= ConnectAsync();
        }
    }

    private async Task<IConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync(_configuration);

    /// <summary>Call after a Redis command failed: logs a warning when Redis was thought up.</summary>
    public void ReportFailure(Exception exception, string fallback)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (Interlocked.Exchange(ref _down, 1) == 0)
        {
            // The exception type only: messages can carry the connection's endpoint list and options.
            LogRedisDown(_logger, exception.GetType().Name, fallback);
        }
    }

    /// <summary>Call after a Redis command succeeded: logs when Redis is back.</summary>
    public void ReportHealthy()
    {
        if (Interlocked.Exchange(ref _down, 0) == 1)
        {
            LogRedisBack(_logger);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task<IConnectionMultiplexer>? connection;
        lock (_gate)
        {
            connection = _connection;
        }

        if (connection is { IsCompletedSuccessfully: true })
        {
            await connection.Result.DisposeAsync();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Redis is unreachable ({Failure}); {Fallback} until it is back")]
    private static partial void LogRedisDown(ILogger logger, string failure, string fallback);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis is reachable again")]
    private static partial void LogRedisBack(ILogger logger);
}
