using Microsoft.Extensions.Options;
using PocketCode.ApiProxy.Proxy;

namespace PocketCode.ApiProxy.Usage;

/// <summary>
/// Collects each call's counts in memory and adds them to the usage documents in batches (one
/// atomic increment per user per day per flush, every <see cref="ProxyOptions.UsageFlushInterval"/>
/// and at shutdown), so a call never waits for, or queues behind, a document-store write. Reads
/// (the budget check, <c>GET /proxy/v1/usage</c>) add what this instance has not written yet.
/// The budget check also keeps the record it read for <see cref="ProxyOptions.BudgetReadTtl"/>,
/// so a busy user costs one document read per interval rather than one per call; this instance's
/// own writes drop the kept record at once, so only other instances' spending shows up late.
/// </summary>
internal sealed partial class UsageRecorder(UsageStore store, IOptions<ProxyOptions> options, TimeProvider clock, ILogger<UsageRecorder> logger) : BackgroundService
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Uid, DateOnly Day), (DailyUsage Stored, long ReadAt)> _read = [];
    // Counts this instance's writes; a record read while one landed is not kept (it may or may not include it).
    private long _writes;
    // Not disposed on purpose: the host may stop this service after disposing it (a failed start),
    // and a SemaphoreSlim whose wait handle is never used holds nothing to release.
    private readonly SemaphoreSlim _flush = new(1, 1);
    private Dictionary<(string Uid, DateOnly Day), Totals> _pending = [];
    private Dictionary<(string Uid, DateOnly Day), Totals> _writing = [];

    /// <summary>Adds one call's counts (in memory; written with the next flush).</summary>
    public void Add(string uid, TokenCounts counts)
    {
        var key = (uid, store.Today);
        lock (_lock)
        {
            if (!_pending.TryGetValue(key, out var totals))
            {
                _pending[key] = totals = new Totals();
            }

            totals.Add(counts);
        }
    }

    /// <summary>
    /// The day's record as stored (read at most <see cref="ProxyOptions.BudgetReadTtl"/> ago, and
    /// after this instance's last write to it) plus what this instance has not written yet.
    /// </summary>
    public async Task<DailyUsage> GetAsync(string uid, DateOnly day, CancellationToken cancellationToken)
    {
        var ttl = options.Value.BudgetReadTtl;
        DailyUsage? kept = null;
        long writes;
        lock (_lock)
        {
            writes = _writes;
            if (_read.TryGetValue((uid, day), out var read) && clock.GetElapsedTime(read.ReadAt) < ttl)
            {
                kept = read.Stored;
            }
        }

        var stored = kept ?? await store.GetAsync(uid, day, cancellationToken);
        lock (_lock)
        {
            if (kept is null && ttl > TimeSpan.Zero && writes == _writes)
            {
                _read[(uid, day)] = (stored, clock.GetTimestamp());
            }

            foreach (var map in (ReadOnlySpan<Dictionary<(string, DateOnly), Totals>>)[_pending, _writing])
            {
                if (map.TryGetValue((uid, day), out var t))
                {
                    stored = stored with
                    {
                        Requests = stored.Requests + t.Requests,
                        InputTokens = stored.InputTokens + t.InputTokens,
                        OutputTokens = stored.OutputTokens + t.OutputTokens,
                        CacheHits = stored.CacheHits + t.CacheHits,
                        PlatformTokens = stored.PlatformTokens + t.PlatformTokens,
                    };
                }
            }
        }

        return stored;
    }

    /// <summary>Writes everything collected so far; the usage endpoint calls it so a user reads exact numbers.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _flush.WaitAsync(cancellationToken);
        try
        {
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    return;
                }

                (_writing, _pending) = (_pending, []);
            }

            foreach (var ((uid, day), totals) in _writing)
            {
                try
                {
                    await store.AddAsync(uid, day, totals.Snapshot(), CancellationToken.None);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Kept for the next flush rather than lost.
                    LogFlushFailed(logger, e);
                    lock (_lock)
                    {
                        if (!_pending.TryGetValue((uid, day), out var again))
                        {
                            _pending[(uid, day)] = again = new Totals();
                        }

                        again.Add(totals);
                    }
                }

                lock (_lock)
                {
                    _writing.Remove((uid, day));
                    _read.Remove((uid, day));
                    _writes++;
                }
            }
        }
        finally
        {
            _flush.Release();
        }
    }

    // Every flush interval drops the records kept longer than their TTL, so memory follows the users of the last TTL.
    private void ForgetStaleReads()
    {
        var ttl = options.Value.BudgetReadTtl;
        lock (_lock)
        {
            foreach (var (key, read) in _read)
            {
                if (clock.GetElapsedTime(read.ReadAt) >= ttl)
                {
                    _read.Remove(key);
                }
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.UsageFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
                ForgetStaleReads();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(CancellationToken.None);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Writing AI usage failed; the counts are kept for the next flush")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    private sealed class Totals
    {
        public long Requests { get; private set; }

        public long InputTokens { get; private set; }

        public long OutputTokens { get; private set; }

        public long CacheHits { get; private set; }

        public long PlatformTokens { get; private set; }

        public void Add(TokenCounts counts)
        {
            Requests++;
            InputTokens += counts.InputTokens;
            OutputTokens += counts.OutputTokens;
            CacheHits += counts.CacheHit ? 1 : 0;
            PlatformTokens += counts.OwnKey ? 0 : counts.InputTokens + counts.OutputTokens;
        }

        public void Add(Totals other)
        {
            Requests += other.Requests;
            InputTokens += other.InputTokens;
            OutputTokens += other.OutputTokens;
            CacheHits += other.CacheHits;
            PlatformTokens += other.PlatformTokens;
        }

        public UsageDelta Snapshot() => new(Requests, InputTokens, OutputTokens, CacheHits, PlatformTokens);
    }
}

/// <summary>Counts to add to one usage document.</summary>
internal readonly record struct UsageDelta(long Requests, long InputTokens, long OutputTokens, long CacheHits, long PlatformTokens);
