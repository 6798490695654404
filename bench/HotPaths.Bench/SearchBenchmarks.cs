using BenchmarkDotNet.Attributes;
using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Bench;
using PocketCode.Marketplace.Search;
using PocketCode.Storage.Documents;
using PocketCode.Storage.Sqlite;

namespace PocketCode.HotPaths.Bench;

/// <summary>
/// Marketplace search tokenisation: the tokens written with every asset (all title/tag prefixes,
/// description words, tag tokens) and the tokens of a query.
/// </summary>
[MemoryDiagnoser]
public class SearchTokenBenchmarks
{
    private const string Title = "Compose Login Screen With Biometric Unlock";
    private static readonly string Description = string.Join(' ', Enumerable.Repeat("A material login screen for Jetpack Compose with validation, otp input, biometric unlock and dark theme.", 4));
    private static readonly string[] Tags = ["compose", "auth", "ui"];

    [Benchmark]
    public int AssetTokens() => SearchTokens.For(Title, Description, Tags).Count;

    [Benchmark]
    public int QueryTokens() => SearchTokens.ForQuery("Compose login screen").Count;
}

/// <summary>
/// The document store's query path on the embedded store (SQLite): a search page (listed,
/// array-contains on searchTokens, ordered by score, 20 + 1 rows) and a document read, against a
/// seeded catalogue of 2,000 assets (the marketplace benchmark's generator, seed 42).
/// </summary>
[MemoryDiagnoser]
public class DocumentQueryBenchmarks
{
    private string folder = null!;
    private SqliteDocumentStore store = null!;
    private DocumentQuery query = null!;
    private DocumentQuery browse = null!;

    [GlobalSetup]
    public void Setup()
    {
        folder = Directory.CreateTempSubdirectory("pocketcode-hotpaths-store-").FullName;
        store = new SqliteDocumentStore(new SqliteDocumentStoreOptions { DatabasePath = Path.Combine(folder, "documents.db") });
        CatalogueGenerator.SeedAsync(store, 2_000, seed: 42).GetAwaiter().GetResult();
        query = SearchQueries.Build(new SearchRequest("compo", null, null, null, SearchSort.Relevance, 20, null)).Query;
        browse = SearchQueries.Build(new SearchRequest(null, null, null, null, SearchSort.Downloads, 20, null)).Query;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(folder, recursive: true);
    }

    [Benchmark]
    public async Task<int> SearchPage() => (await store.QueryAsync(query)).Documents.Count;

    [Benchmark]
    public async Task<int> BrowsePage() => (await store.QueryAsync(browse)).Documents.Count;

    [Benchmark]
    public async Task<bool> GetDocument() => await store.GetAsync(AssetFields.AssetPath(CatalogueGenerator.AssetId(1234))) is not null;
}
