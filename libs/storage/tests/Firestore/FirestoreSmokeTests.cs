using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Firestore;
using Xunit;

namespace PocketCode.Storage.Tests.Firestore;

/// <summary>
/// What the shared contract does not reach in the Firestore adapter: exact CLR types and value
/// extremes, nested collections, field names that need back-quoting on the wire, transform placement,
/// and how Firestore's answers are mapped to the port's exceptions.
/// </summary>
public sealed class FirestoreSmokeTests(FirestoreEmulatorFixture fixture) : IClassFixture<FirestoreEmulatorFixture>
{
    private FirestoreDocumentStore Store => fixture.Store;

    private static string NewCollection() => "f" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Values_come_back_with_the_same_CLR_types_and_extremes()
    {
        var path = $"{NewCollection()}/types";
        var local = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, 123, TimeSpan.FromHours(2)).AddTicks(4); // sub-microsecond ticks are dropped
        await Store.SetAsync(path, new Dictionary<string, object?>
        {
            ["max"] = long.MaxValue,
            ["min"] = long.MinValue,
            ["wholeDouble"] = 2.0,
            ["nan"] = double.NaN,
            ["inf"] = double.PositiveInfinity,
            ["empty"] = "",
            ["emptyBytes"] = Array.Empty<byte>(),
            ["local"] = local,
            ["earliest"] = DateTimeOffset.MinValue,
            ["latest"] = DocumentValues.TruncateToMicroseconds(DateTimeOffset.MaxValue),
            ["emptyList"] = new List<object?>(),
            ["emptyMap"] = new Dictionary<string, object?>(),
            ["listOfMaps"] = new List<object?> { new Dictionary<string, object?> { ["k"] = 1L }, null, "s" },
            ["enum"] = DayOfWeek.Friday,
        }, Ct);

        var read = await Store.GetAsync(path, Ct);

        Assert.NotNull(read);
        Assert.Equal(long.MaxValue, Assert.IsType<long>(read["max"]));
        Assert.Equal(long.MinValue, Assert.IsType<long>(read["min"]));
        Assert.Equal(2.0, Assert.IsType<double>(read["wholeDouble"]));
        Assert.True(double.IsNaN(read.GetDouble("nan")!.Value));
        Assert.Equal(double.PositiveInfinity, read["inf"]);
        Assert.Equal("", read["empty"]);
        Assert.Empty(Assert.IsType<byte[]>(read["emptyBytes"]));
        var readLocal = Assert.IsType<DateTimeOffset>(read["local"]);
        Assert.Equal(TimeSpan.Zero, readLocal.Offset);
        Assert.Equal(DocumentValues.TruncateToMicroseconds(local), readLocal);
        Assert.Equal(DateTimeOffset.MinValue, read["earliest"]);
        Assert.Equal(DocumentValues.TruncateToMicroseconds(DateTimeOffset.MaxValue), read["latest"]);
        Assert.Empty(Assert.IsType<List<object?>>(read["emptyList"]));
        Assert.Empty(Assert.IsType<Dictionary<string, object?>>(read["emptyMap"]));
        var list = Assert.IsType<List<object?>>(read["listOfMaps"]);
        Assert.Equal(1L, Assert.IsType<Dictionary<string, object?>>(list[0])["k"]);
        Assert.Null(list[1]);
        Assert.Equal("s", list[2]);
        Assert.Equal("Friday", read["enum"]);
        Assert.Equal(TimeSpan.Zero, read.CreateTime.Offset);
    }

    [Fact]
    public async Task Lists_directly_inside_lists_are_rejected_as_Firestore_does()
    {
        var path = $"{NewCollection()}/doc";

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SetAsync(path, new Dictionary<string, object?>
        {
            ["grid"] = new List<object?> { new List<object?> { 1L } },
        }, Ct));
    }

    [Fact]
    public async Task Nested_collections_are_separate_from_their_parents_and_siblings()
    {
        var root = NewCollection();
        var items = $"{root}/owner1/items";
        await Store.CreateAsync($"{root}/owner1", new Dictionary<string, object?> { ["kind"] = "owner" }, Ct);
        foreach (var id in new[] { "b", "a", "c" })
        {
            await Store.CreateAsync($"{items}/{id}", new Dictionary<string, object?> { ["rank"] = 1L }, Ct);
        }

        await Store.CreateAsync($"{root}/owner2/items/x", new Dictionary<string, object?> { ["rank"] = 1L }, Ct);
        await Store.CreateAsync($"{items}/a/deeper/z", new Dictionary<string, object?> { ["rank"] = 1L }, Ct);

        var first = await Store.QueryAsync(new DocumentQuery(items).OrderBy("rank").Take(2), Ct);
        Assert.Equal(["a", "b"], first.Documents.Select(d => d.Id));
        Assert.Equal($"{items}/a", first.Documents[0].Path);
        var second = await Store.QueryAsync(new DocumentQuery(items).OrderBy("rank").Take(2).StartAfter(first.NextCursor), Ct);
        Assert.Equal(["c"], second.Documents.Select(d => d.Id));
        Assert.Null(second.NextCursor);
        Assert.Equal(["owner1"], (await Store.QueryAsync(new DocumentQuery(root), Ct)).Documents.Select(d => d.Id));
        Assert.Equal(["z"], (await Store.QueryAsync(new DocumentQuery($"{items}/a/deeper"), Ct)).Documents.Select(d => d.Id));

        var result = await Store.RunTransactionAsync(async (tx, ct) =>
        {
            var doc = await tx.GetAsync($"{items}/a/deeper/z", ct);
            tx.Update($"{items}/a/deeper/z", new Dictionary<string, object?> { ["rank"] = doc!.GetInt64("rank") + 1 });
            tx.Delete($"{items}/b");
            return doc.Path;
        }, cancellationToken: Ct);

        Assert.Equal($"{items}/a/deeper/z", result);
        Assert.Equal(2L, (await Store.GetAsync($"{items}/a/deeper/z", Ct))!["rank"]);
        Assert.Null(await Store.GetAsync($"{items}/b", Ct));
    }

    [Fact]
    public async Task Field_names_that_need_back_quotes_work_in_writes_transforms_filters_and_orders()
    {
        var c = NewCollection();
        Dictionary<string, object?> Odd(long rank) => new()
        {
            ["with space"] = rank,
            ["dot.ted"] = "literal dot",
            ["back`tick"] = "tick",
            ["back\\slash"] = "slash",
            ["ünïcödé"] = "u",
            ["123abc"] = rank % 2,
            ["a-b"] = 0L,
            ["outer map"] = new Dictionary<string, object?> { ["in ner"] = rank, ["created at"] = FieldValue.ServerTimestamp },
        };
        var first = await Store.CreateAsync($"{c}/one", Odd(1), Ct);
        await Store.CreateAsync($"{c}/two", Odd(2), Ct);
        await Store.CreateAsync($"{c}/three", Odd(3), Ct);

        await Store.UpdateAsync($"{c}/one", new Dictionary<string, object?>
        {
            ["outer map.in ner"] = 10L,
            ["outer map.new`one"] = FieldValue.Increment(5),
            ["a-b"] = FieldValue.Increment(1.5),
            ["back`tick"] = FieldValue.Delete,
        }, Precondition.LastUpdatedAt(first.UpdateTime), Ct);

        var one = await Store.GetAsync($"{c}/one", Ct);
        Assert.NotNull(one);
        Assert.Equal("literal dot", one.Data["dot.ted"]);
        Assert.Equal("slash", one.Data["back\\slash"]);
        Assert.Equal("u", one.Data["ünïcödé"]);
        Assert.False(one.Data.ContainsKey("back`tick"));
        Assert.Equal(1.5, one["a-b"]);
        var outer = Assert.IsType<Dictionary<string, object?>>(one.Data["outer map"]);
        Assert.Equal(10L, outer["in ner"]);
        Assert.Equal(5L, outer["new`one"]);
        Assert.IsType<DateTimeOffset>(outer["created at"]);

        var odd = await Store.QueryAsync(new DocumentQuery(c).Where("123abc", FilterOperator.Equal, 1L).OrderBy("with space", SortDirection.Descending), Ct);
        Assert.Equal(["three", "one"], odd.Documents.Select(d => d.Id));
        var byNested = await Store.QueryAsync(new DocumentQuery(c).Where("outer map.in ner", FilterOperator.GreaterThan, 2L).Take(1), Ct);
        Assert.Equal(["three"], byNested.Documents.Select(d => d.Id));
        var page2 = await Store.QueryAsync(new DocumentQuery(c).Where("outer map.in ner", FilterOperator.GreaterThan, 2L).Take(1).StartAfter(byNested.NextCursor), Ct);
        Assert.Equal(["one"], page2.Documents.Select(d => d.Id));
    }

    [Fact]
    public async Task An_update_made_only_of_transforms_leaves_every_other_field_alone()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["keep"] = "me", ["n"] = 1L, ["m"] = new Dictionary<string, object?> { ["x"] = 1L } }, Ct);

        var written = await Store.UpdateAsync(path, new Dictionary<string, object?> { ["n"] = FieldValue.Increment(2), ["m.at"] = FieldValue.ServerTimestamp }, cancellationToken: Ct);

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal("me", read!["keep"]);
        Assert.Equal(3L, read["n"]);
        Assert.Equal(1L, read["m.x"]);
        Assert.NotNull(read.GetTimestamp("m.at"));
        Assert.Equal(written.UpdateTime, read.UpdateTime);
    }

    [Fact]
    public async Task Sentinels_inside_maps_become_transforms_applied_after_the_map_replaces_the_old_one()
    {
        var path = $"{NewCollection()}/doc";
        await Store.SetAsync(path, new Dictionary<string, object?>
        {
            ["stats"] = new Dictionary<string, object?> { ["views"] = FieldValue.Increment(3), ["old"] = true, ["skip"] = FieldValue.Delete },
        }, Ct);
        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(3L, read!["stats.views"]);
        Assert.False(read.Has("stats.skip"));

        await Store.UpdateAsync(path, new Dictionary<string, object?>
        {
            ["stats"] = new Dictionary<string, object?> { ["views"] = FieldValue.Increment(1), ["label"] = "new" },
        }, cancellationToken: Ct);

        // The map replaces the old one first, so the increment inside it starts again from zero.
        read = await Store.GetAsync(path, Ct);
        Assert.Equal(1L, read!["stats.views"]);
        Assert.Equal("new", read["stats.label"]);
        Assert.False(read.Has("stats.old"));
    }

    [Fact]
    public async Task Invalid_writes_fail_before_reaching_the_server()
    {
        var path = $"{NewCollection()}/doc";

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SetAsync(path, new Dictionary<string, object?> { ["a"] = new object() }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpdateAsync(path, new Dictionary<string, object?> { ["a"] = 1L, ["a.b"] = 2L }, cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.UpdateAsync(path, new Dictionary<string, object?> { ["a..b"] = 1L }, cancellationToken: Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SetAsync(path, new Dictionary<string, object?> { ["list"] = new List<object?> { FieldValue.ServerTimestamp } }, Ct));
    }

    [Fact]
    public async Task Preconditions_map_to_the_port_exceptions()
    {
        var c = NewCollection();
        var written = await Store.CreateAsync($"{c}/doc", new Dictionary<string, object?> { ["v"] = 1L }, Ct);

        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.UpdateAsync($"{c}/missing", new Dictionary<string, object?> { ["v"] = 1L }, Precondition.LastUpdatedAt(written.UpdateTime), Ct));
        await Assert.ThrowsAsync<DocumentAlreadyExistsException>(() => Store.DeleteAsync($"{c}/doc", Precondition.MustNotExist, Ct));
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.DeleteAsync($"{c}/missing", Precondition.MustExist, Ct));
        await Store.DeleteAsync($"{c}/doc", Precondition.LastUpdatedAt(written.UpdateTime), Ct);
        Assert.Null(await Store.GetAsync($"{c}/doc", Ct));
        Assert.Null(await Store.GetAsync($"{c}/missing", Ct));
    }

    [Fact]
    public async Task Null_and_document_id_filters_work()
    {
        var c = NewCollection();
        await Store.CreateAsync($"{c}/a", new Dictionary<string, object?> { ["v"] = null }, Ct);
        await Store.CreateAsync($"{c}/b", new Dictionary<string, object?> { ["v"] = 1L }, Ct);
        await Store.CreateAsync($"{c}/c", new Dictionary<string, object?> { ["v"] = null }, Ct);

        Assert.Equal(["a", "c"], (await Store.QueryAsync(new DocumentQuery(c).Where("v", FilterOperator.Equal, null), Ct)).Documents.Select(d => d.Id));
        // (A descending order on the id alone is refused by the emulator: "does not support descending key scans".)
        Assert.Equal(["a", "c"], (await Store.QueryAsync(new DocumentQuery(c).Where(DocumentQuery.DocumentIdField, FilterOperator.In, new[] { "c", "a" }), Ct)).Documents.Select(d => d.Id));
        Assert.Equal(["c"], (await Store.QueryAsync(new DocumentQuery(c).Where(DocumentQuery.DocumentIdField, FilterOperator.GreaterThan, "b"), Ct)).Documents.Select(d => d.Id));

        var afterA = new DocumentQuery(c).Where(DocumentQuery.DocumentIdField, FilterOperator.GreaterThanOrEqual, "b").Take(1);
        var first = await Store.QueryAsync(afterA, Ct);
        var second = await Store.QueryAsync(afterA.StartAfter(first.NextCursor), Ct);
        Assert.Equal(["b", "c"], first.Documents.Concat(second.Documents).Select(d => d.Id));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task Cursors_carry_timestamps_and_ties_across_pages()
    {
        var c = NewCollection();
        var t = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var when = new Dictionary<string, DateTimeOffset> { ["a"] = t, ["b"] = t.AddTicks(10), ["c"] = t.AddTicks(10), ["d"] = t.AddDays(1), ["e"] = t.AddTicks(10) };
        foreach (var (id, at) in when)
        {
            await Store.CreateAsync($"{c}/{id}", new Dictionary<string, object?> { ["at"] = at }, Ct);
        }

        var query = new DocumentQuery(c).OrderBy("at", SortDirection.Descending).Take(2);
        var seen = new List<string>();
        QueryCursor? cursor = null;
        do
        {
            var page = await Store.QueryAsync(query.StartAfter(cursor), Ct);
            seen.AddRange(page.Documents.Select(d => d.Id));
            cursor = page.NextCursor is null ? null : QueryCursor.Parse(page.NextCursor.ToToken());
        }
        while (cursor is not null);

        Assert.Equal(["d", "e", "c", "b", "a"], seen);
    }

    [Fact]
    public async Task A_precondition_failure_inside_a_transaction_is_reported_and_not_retried()
    {
        var path = $"{NewCollection()}/doc";
        var written = await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 1L }, Ct);
        await Store.UpdateAsync(path, new Dictionary<string, object?> { ["v"] = 2L }, cancellationToken: Ct);
        var attempts = 0;

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.RunTransactionAsync(async (tx, ct) =>
        {
            attempts++;
            await tx.GetAsync(path, ct);
            tx.Update(path, new Dictionary<string, object?> { ["v"] = 3L }, Precondition.LastUpdatedAt(written.UpdateTime));
            return 0;
        }, cancellationToken: Ct));

        Assert.Equal(1, attempts);
        Assert.Equal(2L, (await Store.GetAsync(path, Ct))!["v"]);
    }

    [Fact]
    public async Task A_transaction_must_read_before_it_writes_and_may_write_nothing()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 1L }, Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.RunTransactionAsync(async (tx, ct) =>
        {
            tx.Set(path, new Dictionary<string, object?> { ["v"] = 2L });
            return await tx.GetAsync(path, ct);
        }, cancellationToken: Ct));

        var readOnly = await Store.RunTransactionAsync(async (tx, ct) => (await tx.GetAsync(path, ct))!.GetInt64("v"), cancellationToken: Ct);
        Assert.Equal(1L, readOnly);
    }

    [Fact]
    public async Task A_transaction_that_keeps_losing_its_locks_gives_up_with_contention()
    {
        // Two transactions each hold a read lock on the document and then both commit: a lock
        // cycle, which the emulator resolves by timing out waiting commits ("Transaction lock
        // timeout"). Usually one times out and the other then commits, in either order; on a loaded
        // machine both can wait past the timeout and both are aborted. So neither order nor a
        // winner is assumed: with one attempt allowed each, at least one gives up with contention
        // after its one attempt, and the document holds exactly the write of the one that
        // committed, or is unchanged when none did (never a lost update).
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 0L }, Ct);
        var rivalHasRead = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var oneAttempt = new TransactionOptions { MaxAttempts = 1 };
        Task<long>? rival = null;

        var outer = Store.RunTransactionAsync(async (tx, ct) =>
        {
            var snapshot = await tx.GetAsync(path, ct);
            rival ??= Store.RunTransactionAsync(async (other, otherCt) =>
            {
                var seen = await other.GetAsync(path, otherCt);
                rivalHasRead.TrySetResult();
                other.Update(path, new Dictionary<string, object?> { ["v"] = seen!.GetInt64("v") + 10 });
                return 10L;
            }, oneAttempt, Ct);
            await rivalHasRead.Task.WaitAsync(ct);
            tx.Update(path, new Dictionary<string, object?> { ["v"] = snapshot!.GetInt64("v") + 1 });
            return 1L;
        }, oneAttempt, Ct);

        // The rival exists once it has read (or the outer transaction failed before starting it).
        await Task.WhenAny(rivalHasRead.Task, outer);
        Assert.NotNull(rival);
        var outcomes = await Task.WhenAll(Outcome(outer), Outcome(rival));

        var losers = outcomes.Where(o => o.Failure is not null).ToList();
        Assert.NotEmpty(losers);
        Assert.All(losers, loser => Assert.Equal(1, loser.Failure!.Attempts));
        var winners = outcomes.Where(o => o.Failure is null).ToList();
        var expected = winners.Count == 0 ? 0L : Assert.Single(winners).Written;
        Assert.Equal(expected, (await Store.GetAsync(path, Ct))!["v"]);

        static async Task<(long? Written, TransactionContentionException? Failure)> Outcome(Task<long> transaction)
        {
            try
            {
                return (await transaction, null);
            }
            catch (TransactionContentionException contention)
            {
                return (null, contention);
            }
        }
    }

    [Fact]
    public async Task Ping_answers_and_an_unreachable_emulator_is_a_store_error()
    {
        await Store.PingAsync(Ct);

        await using var nowhere = new FirestoreDocumentStore(new FirestoreStoreOptions { ProjectId = fixture.ProjectId, EmulatorHost = "127.0.0.1:1" });
        await Assert.ThrowsAsync<DocumentStoreUnavailableException>(() => nowhere.PingAsync(Ct));
    }

    [Fact]
    public async Task Every_call_names_its_database_for_routing_and_carries_the_emulator_token()
    {
        // A stand-in server that records what arrives and answers every call with UNIMPLEMENTED.
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        await using var server = builder.Build();
        var calls = new ConcurrentQueue<(string Method, string Routing, string Authorization)>();
        server.Run(context =>
        {
            calls.Enqueue((context.Request.Path, context.Request.Headers["x-goog-request-params"].ToString(), context.Request.Headers.Authorization.ToString()));
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "12";
            return Task.CompletedTask;
        });
        await server.StartAsync(Ct);
        var host = new Uri(server.Urls.Single()).Authority;

        await using var store = new FirestoreDocumentStore(new FirestoreStoreOptions { ProjectId = "routing-test", DatabaseId = "second-db", EmulatorHost = host });
        await Assert.ThrowsAsync<DocumentStoreException>(() => store.PingAsync(Ct));
        await Assert.ThrowsAsync<DocumentStoreException>(() => store.GetAsync("c/d", Ct));
        await Assert.ThrowsAsync<DocumentStoreException>(() => store.SetAsync("c/d", new Dictionary<string, object?>(), Ct));
        await Assert.ThrowsAsync<DocumentStoreException>(() => store.QueryAsync(new DocumentQuery("c"), Ct));
        await Assert.ThrowsAsync<DocumentStoreException>(() => store.RunTransactionAsync((_, _) => Task.FromResult(0), cancellationToken: Ct));

        Assert.Equal(
            ["ListCollectionIds", "BatchGetDocuments", "Commit", "RunQuery", "BeginTransaction"],
            calls.Select(c => c.Method.Replace("/google.firestore.v1.Firestore/", "", StringComparison.Ordinal)));
        Assert.All(calls, c => Assert.Equal("database=projects/routing-test/databases/second-db", c.Routing));
        Assert.All(calls, c => Assert.Equal("Bearer owner", c.Authorization));
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("_under9", "_under9")]
    [InlineData("9lives", "`9lives`")]
    [InlineData("with space", "`with space`")]
    [InlineData("dot.ted", "`dot.ted`")]
    [InlineData("back`tick", "`back\\`tick`")]
    [InlineData("back\\slash", "`back\\\\slash`")]
    [InlineData("ünï", "`ünï`")]
    public void Field_path_segments_are_back_quoted_only_when_needed(string segment, string expected)
    {
        Assert.Equal(expected, FirestoreValues.QuoteSegment(segment));
    }
}
