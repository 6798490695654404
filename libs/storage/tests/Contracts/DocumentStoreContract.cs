using PocketCode.Storage.Documents;
using Xunit;

namespace PocketCode.Storage.Tests.Contracts;

/// <summary>
/// The behaviour every <see cref="IDocumentStore"/> adapter must show. Each adapter's test class
/// derives from this and supplies a store; every test works in collections of its own, so tests
/// can share one store and run in parallel.
/// </summary>
public abstract class DocumentStoreContract
{
    protected abstract IDocumentStore Store { get; }

    protected static string NewCollection() => "c" + Guid.NewGuid().ToString("N")[..12];

    private static readonly DateTimeOffset SomeTime = new(2026, 11, 26, 21, 42, 8, 123, 456, TimeSpan.Zero);

    private static Dictionary<string, object?> EveryType() => new()
    {
        ["text"] = "héllo / \"world\" ✓",
        ["count"] = 42L,
        ["small"] = 7,
        ["ratio"] = 0.25,
        ["flag"] = true,
        ["nothing"] = null,
        ["bytes"] = new byte[] { 0, 1, 2, 255 },
        ["when"] = SomeTime,
        ["tags"] = new List<object?> { "a", 1L, false },
        ["nested"] = new Dictionary<string, object?> { ["inner"] = "x", ["deeper"] = new Dictionary<string, object?> { ["n"] = 3L } },
    };

    [Fact]
    public async Task Get_of_a_missing_document_returns_null()
    {
        Assert.Null(await Store.GetAsync($"{NewCollection()}/missing", Ct));
    }

    [Fact]
    public async Task Create_then_get_round_trips_every_value_type()
    {
        var path = $"{NewCollection()}/doc1";
        var before = DateTimeOffset.UtcNow.AddMinutes(-5);

        var written = await Store.CreateAsync(path, EveryType(), Ct);
        var read = await Store.GetAsync(path, Ct);

        Assert.NotNull(read);
        Assert.Equal("doc1", read.Id);
        Assert.Equal(path, read.Path);
        Assert.Equal(written.UpdateTime, read.UpdateTime);
        Assert.True(read.CreateTime > before);
        Assert.Equal("héllo / \"world\" ✓", read.GetString("text"));
        Assert.IsType<long>(read["count"]);
        Assert.Equal(42L, read["count"]);
        Assert.Equal(7L, read["small"]);
        Assert.Equal(0.25, read["ratio"]);
        Assert.Equal(true, read["flag"]);
        Assert.True(read.Has("nothing"));
        Assert.Null(read["nothing"]);
        Assert.Equal(new byte[] { 0, 1, 2, 255 }, read["bytes"]);
        Assert.Equal(SomeTime, read.GetTimestamp("when"));
        Assert.Equal(new List<object?> { "a", 1L, false }, read.GetArray("tags"));
        Assert.Equal("x", read.GetString("nested.inner"));
        Assert.Equal(3L, read.GetInt64("nested.deeper.n"));
        Assert.False(read.Has("absent"));
    }

    [Fact]
    public async Task Create_fails_when_the_document_exists_and_changes_nothing()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 1L }, Ct);

        await Assert.ThrowsAsync<DocumentAlreadyExistsException>(() => Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 2L }, Ct));

        Assert.Equal(1L, (await Store.GetAsync(path, Ct))!["v"]);
    }

    [Fact]
    public async Task Set_creates_and_then_replaces_the_whole_document()
    {
        var path = $"{NewCollection()}/doc";
        await Store.SetAsync(path, new Dictionary<string, object?> { ["a"] = 1L, ["b"] = 2L }, Ct);
        await Store.SetAsync(path, new Dictionary<string, object?> { ["a"] = 10L }, Ct);

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(10L, read!["a"]);
        Assert.False(read.Has("b"));
    }

    [Fact]
    public async Task Update_changes_only_the_named_fields_including_nested_and_deleted_ones()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?>
        {
            ["name"] = "old",
            ["keep"] = "kept",
            ["gone"] = "soon",
            ["settings"] = new Dictionary<string, object?> { ["theme"] = "dark", ["font"] = 12L },
        }, Ct);

        await Store.UpdateAsync(path, new Dictionary<string, object?>
        {
            ["name"] = "new",
            ["settings.font"] = 14L,
            ["settings.extra.flag"] = true,
            ["gone"] = FieldValue.Delete,
        }, cancellationToken: Ct);

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal("new", read!.GetString("name"));
        Assert.Equal("kept", read.GetString("keep"));
        Assert.False(read.Has("gone"));
        Assert.Equal("dark", read.GetString("settings.theme"));
        Assert.Equal(14L, read.GetInt64("settings.font"));
        Assert.Equal(true, read.GetBoolean("settings.extra.flag"));
    }

    [Fact]
    public async Task Update_of_a_missing_document_throws_not_found_and_creates_nothing()
    {
        var path = $"{NewCollection()}/missing";

        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.UpdateAsync(path, new Dictionary<string, object?> { ["a"] = 1L }, cancellationToken: Ct));

        Assert.Null(await Store.GetAsync(path, Ct));
    }

    [Fact]
    public async Task Update_with_the_current_update_time_applies_and_with_a_stale_one_fails()
    {
        var path = $"{NewCollection()}/doc";
        var first = await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 1L }, Ct);

        var second = await Store.UpdateAsync(path, new Dictionary<string, object?> { ["v"] = 2L }, Precondition.LastUpdatedAt(first.UpdateTime), Ct);
        Assert.True(second.UpdateTime > first.UpdateTime);

        await Assert.ThrowsAsync<PreconditionFailedException>(() =>
            Store.UpdateAsync(path, new Dictionary<string, object?> { ["v"] = 3L }, Precondition.LastUpdatedAt(first.UpdateTime), Ct));
        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(2L, read!["v"]);
        Assert.Equal(second.UpdateTime, read.UpdateTime);
    }

    [Fact]
    public async Task Delete_removes_the_document_and_honours_preconditions()
    {
        var collection = NewCollection();
        var path = $"{collection}/doc";
        var written = await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = 1L }, Ct);
        await Store.UpdateAsync(path, new Dictionary<string, object?> { ["v"] = 2L }, cancellationToken: Ct);

        await Assert.ThrowsAsync<PreconditionFailedException>(() => Store.DeleteAsync(path, Precondition.LastUpdatedAt(written.UpdateTime), Ct));
        Assert.NotNull(await Store.GetAsync(path, Ct));

        await Store.DeleteAsync(path, cancellationToken: Ct);
        Assert.Null(await Store.GetAsync(path, Ct));

        await Store.DeleteAsync(path, cancellationToken: Ct); // deleting nothing is not an error
        await Assert.ThrowsAsync<DocumentNotFoundException>(() => Store.DeleteAsync(path, Precondition.MustExist, Ct));
    }

    [Fact]
    public async Task Server_timestamp_is_the_time_the_write_was_processed()
    {
        var path = $"{NewCollection()}/doc";
        var written = await Store.SetAsync(path, new Dictionary<string, object?> { ["createdAt"] = FieldValue.ServerTimestamp, ["name"] = "x" }, Ct);
        var updated = await Store.UpdateAsync(path, new Dictionary<string, object?> { ["touchedAt"] = FieldValue.ServerTimestamp }, cancellationToken: Ct);

        var read = await Store.GetAsync(path, Ct);
        var createdAt = read!.GetTimestamp("createdAt")!.Value;
        var touchedAt = read.GetTimestamp("touchedAt")!.Value;
        // Firestore stamps when it starts handling the write, so the value may precede the commit slightly.
        Assert.InRange(createdAt, written.UpdateTime.AddSeconds(-10), written.UpdateTime);
        Assert.InRange(touchedAt, updated.UpdateTime.AddSeconds(-10), updated.UpdateTime);
        Assert.True(touchedAt >= createdAt);
    }

    [Fact]
    public async Task Increment_adds_atomically_to_integers_and_doubles_and_starts_missing_fields_at_zero()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["count"] = 5L, ["sum"] = 1.5 }, Ct);

        await Store.UpdateAsync(path, new Dictionary<string, object?>
        {
            ["count"] = FieldValue.Increment(3),
            ["sum"] = FieldValue.Increment(0.25),
            ["fresh"] = FieldValue.Increment(2),
            ["stats.downloads"] = FieldValue.Increment(1),
        }, cancellationToken: Ct);

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(8L, read!["count"]);
        Assert.Equal(1.75, read["sum"]);
        Assert.Equal(2L, read["fresh"]);
        Assert.Equal(1L, read.GetInt64("stats.downloads"));
    }

    [Fact]
    public async Task A_map_value_in_an_update_replaces_the_field_and_applies_transforms_inside_it()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["stats"] = new Dictionary<string, object?> { ["n"] = 5L, ["old"] = true } }, Ct);

        await Store.UpdateAsync(path, new Dictionary<string, object?> { ["stats"] = new Dictionary<string, object?> { ["n"] = FieldValue.Increment(2) } }, cancellationToken: Ct);

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(2L, read!.GetInt64("stats.n"));
        Assert.False(read.Has("stats.old"));
    }

    [Fact]
    public async Task A_list_directly_inside_a_list_is_rejected()
    {
        var path = $"{NewCollection()}/doc";
        await Assert.ThrowsAnyAsync<ArgumentException>(() =>
            Store.SetAsync(path, new Dictionary<string, object?> { ["grid"] = new List<object?> { new List<object?> { 1L } } }, Ct));
        Assert.Null(await Store.GetAsync(path, Ct));
    }

    [Fact]
    public async Task Fifty_parallel_increments_lose_no_update()
    {
        var path = $"{NewCollection()}/counter";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["n"] = 0L }, Ct);

        await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() =>
            Store.UpdateAsync(path, new Dictionary<string, object?> { ["n"] = FieldValue.Increment(1) }, cancellationToken: Ct), Ct)));

        Assert.Equal(50L, (await Store.GetAsync(path, Ct))!["n"]);
    }

    [Fact]
    public async Task Fifty_parallel_transactional_read_modify_writes_lose_no_update()
    {
        var path = $"{NewCollection()}/counter";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["n"] = 0L, ["log"] = new List<object?>() }, Ct);
        var attempts = 0;

        await Task.WhenAll(Enumerable.Range(0, 50).Select(i => Task.Run(() => Store.RunTransactionAsync(async (tx, ct) =>
        {
            Interlocked.Increment(ref attempts);
            var snapshot = await tx.GetAsync(path, ct);
            var n = snapshot!.GetInt64("n")!.Value;
            var log = snapshot.GetArray("log")!.ToList();
            log.Add((long)i);
            tx.Update(path, new Dictionary<string, object?> { ["n"] = n + 1, ["log"] = log });
            return n;
        }, cancellationToken: Ct), Ct)));

        var read = await Store.GetAsync(path, Ct);
        Assert.Equal(50L, read!["n"]);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (object?)(long)i).ToHashSet(), read.GetArray("log")!.ToHashSet());
        Assert.True(attempts >= 50);
    }

    [Fact]
    public async Task Transaction_commits_all_writes_together_or_none_when_the_function_throws()
    {
        var collection = NewCollection();
        await Store.CreateAsync($"{collection}/a", new Dictionary<string, object?> { ["balance"] = 10L }, Ct);
        await Store.CreateAsync($"{collection}/b", new Dictionary<string, object?> { ["balance"] = 0L }, Ct);

        var moved = await Store.RunTransactionAsync(async (tx, ct) =>
        {
            var a = await tx.GetAsync($"{collection}/a", ct);
            var b = await tx.GetAsync($"{collection}/b", ct);
            tx.Update($"{collection}/a", new Dictionary<string, object?> { ["balance"] = a!.GetInt64("balance") - 4 });
            tx.Update($"{collection}/b", new Dictionary<string, object?> { ["balance"] = b!.GetInt64("balance") + 4 });
            tx.Create($"{collection}/receipt", new Dictionary<string, object?> { ["amount"] = 4L, ["at"] = FieldValue.ServerTimestamp });
            return 4L;
        }, cancellationToken: Ct);

        Assert.Equal(4L, moved);
        Assert.Equal(6L, (await Store.GetAsync($"{collection}/a", Ct))!["balance"]);
        Assert.Equal(4L, (await Store.GetAsync($"{collection}/b", Ct))!["balance"]);
        Assert.NotNull((await Store.GetAsync($"{collection}/receipt", Ct))!.GetTimestamp("at"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.RunTransactionAsync<long>(async (tx, ct) =>
        {
            var a = await tx.GetAsync($"{collection}/a", ct);
            tx.Update($"{collection}/a", new Dictionary<string, object?> { ["balance"] = 0L });
            tx.Delete($"{collection}/b");
            throw new InvalidOperationException("changed my mind");
        }, cancellationToken: Ct));

        Assert.Equal(6L, (await Store.GetAsync($"{collection}/a", Ct))!["balance"]);
        Assert.NotNull(await Store.GetAsync($"{collection}/b", Ct));
    }

    [Fact]
    public async Task Transaction_never_loses_a_write_made_between_its_read_and_its_commit()
    {
        var path = $"{NewCollection()}/doc";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["n"] = 0L }, Ct);
        Task? outsideWrite = null;

        await Store.RunTransactionAsync(async (tx, ct) =>
        {
            var snapshot = await tx.GetAsync(path, ct);
            if (outsideWrite is null)
            {
                // Stores differ in how they isolate: an optimistic one lets this write land and reruns
                // the transaction; Firestore locks the document, so the write waits for our commit (or
                // is itself aborted). Either way the outcome must be serializable.
                outsideWrite = Task.Run(() => Store.UpdateAsync(path, new Dictionary<string, object?> { ["n"] = 100L }, cancellationToken: CancellationToken.None), CancellationToken.None);
                await Task.WhenAny(outsideWrite, Task.Delay(500, ct));
            }

            tx.Update(path, new Dictionary<string, object?> { ["n"] = snapshot!.GetInt64("n")!.Value + 1 });
            return 0;
        }, cancellationToken: Ct);

        var outsideAcknowledged = await Task.WhenAny(outsideWrite!) is { IsCompletedSuccessfully: true };
        var final = (await Store.GetAsync(path, Ct))!.GetInt64("n");
        if (outsideAcknowledged)
        {
            // Transaction first then the outside write (100), or the outside write then a rerun (101).
            Assert.Contains(final, new long?[] { 100L, 101L });
        }
        else
        {
            Assert.Equal(1L, final);
        }
    }

    [Fact]
    public async Task Transaction_surfaces_create_conflicts_and_precondition_failures()
    {
        var collection = NewCollection();
        await Store.CreateAsync($"{collection}/taken", new Dictionary<string, object?> { ["v"] = 1L }, Ct);

        await Assert.ThrowsAsync<DocumentAlreadyExistsException>(() => Store.RunTransactionAsync<int>((tx, _) =>
        {
            tx.Create($"{collection}/taken", new Dictionary<string, object?> { ["v"] = 2L });
            tx.Create($"{collection}/other", new Dictionary<string, object?> { ["v"] = 2L });
            return Task.FromResult(0);
        }, cancellationToken: Ct));

        Assert.Null(await Store.GetAsync($"{collection}/other", Ct));
        Assert.Equal(1L, (await Store.GetAsync($"{collection}/taken", Ct))!["v"]);
    }

    private async Task<string> SeedAsync()
    {
        var collection = NewCollection();
        var people = new (string Id, string Owner, long Age, string[] Tags, DateTimeOffset Joined)[]
        {
            ("p1", "alice", 30, ["android", "kotlin"], SomeTime.AddDays(1)),
            ("p2", "alice", 25, ["kotlin"], SomeTime.AddDays(2)),
            ("p3", "bob", 40, ["android"], SomeTime.AddDays(3)),
            ("p4", "alice", 35, [], SomeTime.AddDays(4)),
            ("p5", "carol", 25, ["compose", "android"], SomeTime.AddDays(5)),
            ("p6", "alice", 50, ["android"], SomeTime.AddDays(6)),
        };
        foreach (var p in people)
        {
            await Store.CreateAsync($"{collection}/{p.Id}", new Dictionary<string, object?>
            {
                ["owner"] = p.Owner,
                ["age"] = p.Age,
                ["tags"] = p.Tags.Cast<object?>().ToList(),
                ["joined"] = p.Joined,
                ["profile"] = new Dictionary<string, object?> { ["level"] = p.Age / 10 },
            }, Ct);
        }

        // A document in a subcollection of the same name elsewhere must not leak into results.
        await Store.CreateAsync($"{NewCollection()}/x/{collection}/p9", new Dictionary<string, object?> { ["owner"] = "alice", ["age"] = 1L }, Ct);
        return collection;
    }

    private static string[] Ids(QueryResult result) => result.Documents.Select(d => d.Id).ToArray();

    [Fact]
    public async Task Query_filters_by_equality_range_array_contains_in_and_nested_fields()
    {
        var c = await SeedAsync();

        Assert.Equal(["p1", "p2", "p4", "p6"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("owner", FilterOperator.Equal, "alice"), Ct)));
        Assert.Equal(["p2", "p5", "p1"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("age", FilterOperator.LessThan, 35L), Ct)));
        Assert.Equal(["p4", "p3"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("age", FilterOperator.GreaterThanOrEqual, 35).Where("age", FilterOperator.LessThanOrEqual, 40), Ct)));
        Assert.Equal(["p6"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("age", FilterOperator.GreaterThan, 40L), Ct)));
        Assert.Equal(["p1", "p3", "p5", "p6"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("tags", FilterOperator.ArrayContains, "android"), Ct)));
        Assert.Equal(["p3", "p5"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("owner", FilterOperator.In, new[] { "bob", "carol" }), Ct)));
        Assert.Equal(["p1", "p4"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("profile.level", FilterOperator.Equal, 3L), Ct)));
        Assert.Equal(["p2", "p3"], Ids(await Store.QueryAsync(new DocumentQuery(c).Where("joined", FilterOperator.GreaterThan, SomeTime.AddDays(1)).Where("joined", FilterOperator.LessThan, SomeTime.AddDays(4)), Ct)));
        Assert.Empty((await Store.QueryAsync(new DocumentQuery(c).Where("owner", FilterOperator.Equal, "nobody"), Ct)).Documents);
    }

    [Fact]
    public async Task Query_combines_equality_with_order_and_limit()
    {
        var c = await SeedAsync();

        var newestOfAlice = await Store.QueryAsync(new DocumentQuery(c)
            .Where("owner", FilterOperator.Equal, "alice")
            .OrderBy("joined", SortDirection.Descending)
            .Take(2), Ct);

        Assert.Equal(["p6", "p4"], Ids(newestOfAlice));
        Assert.NotNull(newestOfAlice.NextCursor);
        Assert.Equal(["p5", "p2", "p1", "p4", "p3", "p6"], Ids(await Store.QueryAsync(new DocumentQuery(c).OrderBy("age").OrderBy("joined", SortDirection.Descending), Ct)));
    }

    [Fact]
    public async Task Cursor_pages_visit_every_document_once_in_order_and_survive_a_token_round_trip()
    {
        var c = await SeedAsync();
        var query = new DocumentQuery(c).OrderBy("age", SortDirection.Descending).Take(4);
        var seen = new List<string>();
        var pages = 0;
        QueryCursor? cursor = null;
        do
        {
            var page = await Store.QueryAsync(query.StartAfter(cursor), Ct);
            seen.AddRange(Ids(page));
            pages++;
            cursor = page.NextCursor is null ? null : QueryCursor.Parse(page.NextCursor.ToToken());
        }
        while (cursor is not null);

        // Ties (p2 and p5 are both 25) are broken by document id in the direction of the last order.
        Assert.Equal(["p6", "p3", "p4", "p1", "p5", "p2"], seen);
        Assert.Equal(2, pages);

        var exact = await Store.QueryAsync(new DocumentQuery(c).Where("owner", FilterOperator.Equal, "alice").Take(4), Ct);
        Assert.Equal(4, exact.Documents.Count);
        Assert.Null(exact.NextCursor);
    }

    [Fact]
    public async Task Documents_without_the_ordered_field_are_left_out_of_ordered_queries()
    {
        var c = NewCollection();
        await Store.CreateAsync($"{c}/with", new Dictionary<string, object?> { ["rank"] = 1L }, Ct);
        await Store.CreateAsync($"{c}/without", new Dictionary<string, object?> { ["other"] = 1L }, Ct);

        Assert.Equal(["with"], Ids(await Store.QueryAsync(new DocumentQuery(c).OrderBy("rank"), Ct)));
        Assert.Equal(["with", "without"], Ids(await Store.QueryAsync(new DocumentQuery(c), Ct)));
    }

    [Fact]
    public async Task Query_inside_a_transaction_sees_committed_documents()
    {
        var c = await SeedAsync();
        var count = await Store.RunTransactionAsync(async (tx, ct) =>
            (await tx.QueryAsync(new DocumentQuery(c).Where("owner", FilterOperator.Equal, "alice"), ct)).Documents.Count, cancellationToken: Ct);
        Assert.Equal(4, count);
    }

    [Fact]
    public async Task A_cursor_from_another_query_shape_is_rejected()
    {
        var c = await SeedAsync();
        var page = await Store.QueryAsync(new DocumentQuery(c).OrderBy("age").Take(1), Ct);

        await Assert.ThrowsAsync<FormatException>(() => Store.QueryAsync(new DocumentQuery(c).Take(1).StartAfter(page.NextCursor), Ct));
    }

    [Theory]
    [InlineData("users")]
    [InlineData("users/")]
    [InlineData("users//x")]
    [InlineData("users/../x")]
    [InlineData("a/b/c")]
    [InlineData("users/__x__")]
    public async Task Invalid_document_paths_are_rejected(string path)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetAsync(path, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SetAsync(path, new Dictionary<string, object?> { ["a"] = 1L }, Ct));
    }
}
