using PocketCode.Storage.Documents;
using PocketCode.Storage.Sqlite;
using PocketCode.Storage.Tests.Contracts;
using Xunit;

namespace PocketCode.Storage.Tests.Sqlite;

/// <summary>One database file in a temporary folder, shared by the suite's tests.</summary>
public sealed class SqliteStoreFixture : IDisposable
{
    public SqliteStoreFixture()
    {
        Folder = Directory.CreateTempSubdirectory("pocketcode-sqlite-");
        DatabasePath = Path.Combine(Folder.FullName, "documents.db");
        Store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = DatabasePath });
    }

    public DirectoryInfo Folder { get; }

    public string DatabasePath { get; }

    public SqliteDocumentStore Store { get; }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Folder.Delete(recursive: true);
    }
}

public sealed class SqliteDocumentStoreContractTests(SqliteStoreFixture fixture) : DocumentStoreContract, IClassFixture<SqliteStoreFixture>
{
    protected override IDocumentStore Store => fixture.Store;

    [Fact]
    public async Task Data_survives_reopening_the_file()
    {
        var path = $"{NewCollection()}/kept";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["v"] = "still here" }, Ct);

        var reopened = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = fixture.DatabasePath });

        Assert.Equal("still here", (await reopened.GetAsync(path, Ct))!.GetString("v"));
    }

    [Fact]
    public async Task Two_store_instances_on_one_file_isolate_their_transactions()
    {
        // Two instances stand in for two processes sharing the embedded database.
        var other = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = fixture.DatabasePath });
        var path = $"{NewCollection()}/shared";
        await Store.CreateAsync(path, new Dictionary<string, object?> { ["n"] = 0L }, Ct);

        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => Task.Run(() => (i % 2 == 0 ? Store : other).RunTransactionAsync(async (tx, ct) =>
        {
            var n = (await tx.GetAsync(path, ct))!.GetInt64("n")!.Value;
            tx.Update(path, new Dictionary<string, object?> { ["n"] = n + 1 });
            return n;
        }, cancellationToken: Ct), Ct)));

        Assert.Equal(40L, (await Store.GetAsync(path, Ct))!["n"]);
    }

    [Fact]
    public async Task Strings_that_look_like_internal_tags_round_trip_and_filter_as_strings()
    {
        var c = NewCollection();
        var tricky = SqliteTagLike;
        await Store.CreateAsync($"{c}/a", new Dictionary<string, object?> { ["s"] = tricky, ["d"] = double.NaN, ["whole"] = 2.0 }, Ct);

        var read = await Store.GetAsync($"{c}/a", Ct);
        Assert.Equal(tricky, read!.GetString("s"));
        Assert.True(double.IsNaN(read.GetDouble("d")!.Value));
        Assert.IsType<double>(read["whole"]);
        Assert.Single((await Store.QueryAsync(new DocumentQuery(c).Where("s", FilterOperator.Equal, tricky), Ct)).Documents);
    }

    private const string SqliteTagLike = "\uE000T:2026-01-01T00:00:00.000000Z";
}
