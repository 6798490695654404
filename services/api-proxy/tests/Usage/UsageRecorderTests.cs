using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PocketCode.ApiProxy.Proxy;
using PocketCode.ApiProxy.Usage;
using PocketCode.Storage.Sqlite;
using Xunit;

namespace PocketCode.ApiProxy.Tests.Usage;

/// <summary>
/// What the budget check reads (<see cref="UsageRecorder.GetAsync"/>), over the real embedded store:
/// a record it read is kept for <see cref="ProxyOptions.BudgetReadTtl"/>, this instance's own writes
/// count at once, and writes of another instance (straight to the store here) within the TTL.
/// </summary>
public sealed class UsageRecorderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pocketcode-usage-").FullName;
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private readonly UsageStore _store;

    public UsageRecorderTests() =>
        _store = new UsageStore(new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(_directory, "documents.db") }), _clock);

    [Fact]
    public async Task Another_instance_s_spending_shows_once_the_kept_record_is_older_than_its_ttl()
    {
        using var recorder = Recorder(TimeSpan.FromSeconds(5));
        var day = _store.Today;
        Assert.Equal(0, (await recorder.GetAsync("spender", day, Ct)).PlatformTokens);

        await _store.AddAsync("spender", day, new UsageDelta(1, 100, 50, 0, 150), Ct);

        Assert.Equal(0, (await recorder.GetAsync("spender", day, Ct)).PlatformTokens);
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(0, (await recorder.GetAsync("spender", day, Ct)).PlatformTokens);
        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(150, (await recorder.GetAsync("spender", day, Ct)).PlatformTokens);
    }

    [Fact]
    public async Task This_instance_s_own_calls_count_at_once_before_and_after_they_are_written()
    {
        using var recorder = Recorder(TimeSpan.FromMinutes(10));
        var day = _store.Today;
        Assert.Equal(0, (await recorder.GetAsync("own", day, Ct)).PlatformTokens);

        recorder.Add("own", new TokenCounts(40, 20, CacheHit: false, OwnKey: false));
        Assert.Equal(60, (await recorder.GetAsync("own", day, Ct)).PlatformTokens);

        // Another instance writes meanwhile; this instance's write drops the kept record, so the
        // next check reads both (neither lost nor counted twice) without waiting for the TTL.
        await _store.AddAsync("own", day, new UsageDelta(1, 7, 3, 0, 10), Ct);
        await recorder.FlushAsync(Ct);

        var after = await recorder.GetAsync("own", day, Ct);
        Assert.Equal(70, after.PlatformTokens);
        Assert.Equal(2, after.Requests);
        Assert.Equal(after, await _store.GetAsync("own", day, Ct));
    }

    [Fact]
    public async Task A_ttl_of_zero_reads_the_record_on_every_check()
    {
        using var recorder = Recorder(TimeSpan.Zero);
        var day = _store.Today;
        Assert.Equal(0, (await recorder.GetAsync("every", day, Ct)).PlatformTokens);

        await _store.AddAsync("every", day, new UsageDelta(1, 1, 1, 0, 2), Ct);

        Assert.Equal(2, (await recorder.GetAsync("every", day, Ct)).PlatformTokens);
    }

    [Fact]
    public async Task Each_user_and_day_has_its_own_kept_record()
    {
        using var recorder = Recorder(TimeSpan.FromMinutes(10));
        var today = _store.Today;
        var yesterday = today.AddDays(-1);
        await _store.AddAsync("alice", today, new UsageDelta(1, 5, 5, 0, 10), Ct);
        await _store.AddAsync("alice", yesterday, new UsageDelta(1, 50, 50, 0, 100), Ct);

        Assert.Equal(10, (await recorder.GetAsync("alice", today, Ct)).PlatformTokens);
        Assert.Equal(100, (await recorder.GetAsync("alice", yesterday, Ct)).PlatformTokens);
        Assert.Equal(0, (await recorder.GetAsync("bob", today, Ct)).PlatformTokens);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private UsageRecorder Recorder(TimeSpan budgetReadTtl) =>
        new(_store, Options.Create(new ProxyOptions { BudgetReadTtl = budgetReadTtl }), _clock, NullLogger<UsageRecorder>.Instance);
}
