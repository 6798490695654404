using System.Globalization;
using PocketCode.Storage.Documents;

namespace PocketCode.ApiProxy.Usage;

/// <summary>One user's AI usage on one UTC day.</summary>
internal sealed record DailyUsage(string Date, long Requests, long InputTokens, long OutputTokens, long CacheHits, long PlatformTokens);

/// <summary>
/// Usage records: <c>ai_usage/{uid}_{yyyy-MM-dd}</c> per user per UTC day, with requests, input and
/// output tokens, cache hits and the tokens spent on the platform key (what the daily budget
/// counts). Every change is an atomic increment, so concurrent calls never lose a count.
/// </summary>
internal sealed class UsageStore(IDocumentStore store, TimeProvider clock)
{
    public const string Collection = "ai_usage";

    public static string PathOf(string uid, DateOnly day) =>
        $"{Collection}/{uid}_{day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}";

    public DateOnly Today => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);

    /// <summary>Time until the budget resets (the next UTC midnight), rounded up to whole seconds.</summary>
    public TimeSpan UntilTomorrow()
    {
        var now = clock.GetUtcNow();
        var midnight = new DateTimeOffset(now.UtcDateTime.Date.AddDays(1), TimeSpan.Zero);
        return TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((midnight - now).TotalSeconds)));
    }

    public async Task<DailyUsage> GetAsync(string uid, DateOnly day, CancellationToken cancellationToken)
    {
        var snapshot = await store.GetAsync(PathOf(uid, day), cancellationToken);
        var date = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return snapshot is null
            ? new DailyUsage(date, 0, 0, 0, 0, 0)
            : new DailyUsage(
                date,
                snapshot.GetInt64("requests") ?? 0,
                snapshot.GetInt64("inputTokens") ?? 0,
                snapshot.GetInt64("outputTokens") ?? 0,
                snapshot.GetInt64("cacheHits") ?? 0,
                snapshot.GetInt64("platformTokens") ?? 0);
    }

    /// <summary>Adds counts to a day's record atomically, creating it with them if it is the first write of the day.</summary>
    public async Task AddAsync(string uid, DateOnly day, UsageDelta delta, CancellationToken cancellationToken)
    {
        var path = PathOf(uid, day);
        var increments = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["requests"] = FieldValue.Increment(delta.Requests),
            ["inputTokens"] = FieldValue.Increment(delta.InputTokens),
            ["outputTokens"] = FieldValue.Increment(delta.OutputTokens),
            ["cacheHits"] = FieldValue.Increment(delta.CacheHits),
            ["platformTokens"] = FieldValue.Increment(delta.PlatformTokens),
            ["updatedAt"] = FieldValue.ServerTimestamp,
        };

        // Update-then-create: increments apply atomically to an existing record; the day's first
        // write creates it, and a racing creator (another instance) that lost falls back to the increment.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await store.UpdateAsync(path, increments, cancellationToken: cancellationToken);
                return;
            }
            catch (DocumentNotFoundException) when (attempt < 3)
            {
            }

            try
            {
                await store.CreateAsync(path, new Dictionary<string, object?>(StringComparer.Ordinal)
                {
                    ["uid"] = uid,
                    ["date"] = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["requests"] = delta.Requests,
                    ["inputTokens"] = delta.InputTokens,
                    ["outputTokens"] = delta.OutputTokens,
                    ["cacheHits"] = delta.CacheHits,
                    ["platformTokens"] = delta.PlatformTokens,
                    ["updatedAt"] = FieldValue.ServerTimestamp,
                }, cancellationToken);
                return;
            }
            catch (DocumentAlreadyExistsException) when (attempt < 3)
            {
            }
        }
    }
}

/// <summary>What one request adds to the usage record.</summary>
internal readonly record struct TokenCounts(long InputTokens, long OutputTokens, bool CacheHit, bool OwnKey);
