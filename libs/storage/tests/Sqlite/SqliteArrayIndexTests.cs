using Microsoft.Data.Sqlite;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Sqlite;
using Xunit;

namespace PocketCode.Storage.Tests.Sqlite;

/// <summary>The SQLite adapter's array-entry table and expression indexes give the same answers as a scan.</summary>
public sealed class SqliteArrayIndexTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("pocketcode-sqlite-ix-");

    private string DatabasePath => Path.Combine(_folder.FullName, "documents.db");

    [Fact]
    public async Task Common_and_rare_elements_page_the_same_as_a_scan_and_follow_writes()
    {
        var store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = DatabasePath });
        const int count = SqliteArrayIndex.DriveThreshold + 500;
        for (var batch = 0; batch < count; batch += 250)
        {
            await store.RunTransactionAsync((tx, _) =>
            {
                for (var i = batch; i < Math.Min(count, batch + 250); i++)
                {
                    tx.Set($"items/i{i:D5}", new Dictionary<string, object?>
                    {
                        ["tags"] = i % 1000 == 7 ? new List<object?> { "common", "rare", 1L } : new List<object?> { "common", true },
                        ["nested"] = new Dictionary<string, object?> { ["list"] = new List<object?> { i % 2 == 0 ? "even" : "odd" } },
                        ["rank"] = (long)(i % 97),
                        ["on"] = i % 3 != 0,
                    });
                }

                return Task.FromResult(true);
            }, cancellationToken: Ct);
        }

        async Task<List<string>> AllAsync(DocumentQuery query)
        {
            var ids = new List<string>();
            QueryCursor? cursor = null;
            do
            {
                var page = await store.QueryAsync(query.Take(400).StartAfter(cursor), Ct);
                ids.AddRange(page.Documents.Select(d => d.Id));
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return ids;
        }

        var expectedCommon = Enumerable.Range(0, count).Where(i => i % 3 != 0)
            .OrderByDescending(i => i % 97).ThenByDescending(i => $"i{i:D5}", StringComparer.Ordinal).Select(i => $"i{i:D5}").ToList();
        var common = await AllAsync(new DocumentQuery("items").Where("on", FilterOperator.Equal, true)
            .Where("tags", FilterOperator.ArrayContains, "common").OrderBy("rank", SortDirection.Descending));
        Assert.Equal(expectedCommon, common);

        var rare = await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, "rare").OrderBy("rank", SortDirection.Descending));
        Assert.Equal(Enumerable.Range(0, count).Where(i => i % 1000 == 7).OrderByDescending(i => i % 97).Select(i => $"i{i:D5}"), rare);

        // Types stay apart: 1 is not true, "1" is neither.
        Assert.Equal(3, (await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, 1L))).Count);
        Assert.Equal(count - 3, (await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, true))).Count);
        Assert.Empty(await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, "1")));
        Assert.Equal(count / 2, (await AllAsync(new DocumentQuery("items").Where("nested.list", FilterOperator.ArrayContains, "even"))).Count);

        // Updates and deletes move the entries with the document.
        await store.UpdateAsync("items/i00007", new Dictionary<string, object?> { ["tags"] = new List<object?> { "changed" } }, cancellationToken: Ct);
        await store.DeleteAsync("items/i01007", cancellationToken: Ct);
        Assert.Equal(["i02007"], await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, "rare")));
        Assert.Equal(["i00007"], await AllAsync(new DocumentQuery("items").Where("tags", FilterOperator.ArrayContains, "changed")));
    }

    [Fact]
    public async Task A_file_from_before_the_entry_table_is_backfilled_when_opened()
    {
        var store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = DatabasePath });
        await store.SetAsync("old/a", new Dictionary<string, object?> { ["tags"] = new List<object?> { "x" } }, Ct);
        using (var connection = new SqliteConnection("Data Source=" + DatabasePath))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TABLE document_array_entries;";
            command.ExecuteNonQuery();
        }

        SqliteConnection.ClearAllPools();
        var reopened = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = DatabasePath });
        var result = await reopened.QueryAsync(new DocumentQuery("old").Where("tags", FilterOperator.ArrayContains, "x"), Ct);
        Assert.Equal("a", Assert.Single(result.Documents).Id);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _folder.Delete(recursive: true);
    }
}
