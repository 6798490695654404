using System.Net;
using Microsoft.Extensions.DependencyInjection;
using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Search;
using PocketCode.Storage.Documents;
using PocketCode.Testing;
using Xunit;
using static PocketCode.Marketplace.Tests.Market;

namespace PocketCode.Marketplace.Tests;

public sealed class SearchTests(ServiceFactory<Program> factory) : IClassFixture<ServiceFactory<Program>>
{
    [Fact]
    public void Every_search_query_shape_is_covered_by_the_declared_indexes()
    {
        var catalog = factory.Services.GetRequiredService<DocumentStoreRequirementsCatalog>();
        var shapes = SearchQueries.AllShapes().ToList();
        Assert.Equal(2 * 2 * 4 * 4, shapes.Count);
        foreach (var query in shapes)
        {
            Assert.True(catalog.Covers(query), $"No declared index covers {CompositeIndex.RequiredFor(query)}");
            Assert.True(query.Filters.Count(f => f.Operator == FilterOperator.ArrayContains) <= 1);
        }

        // Reviews and reports too.
        foreach (var field in new[] { ReviewFields.UpdatedAt, ReviewFields.Helpful })
        {
            Assert.True(catalog.Covers(new DocumentQuery(AssetFields.ReviewsCollection)
                .Where(ReviewFields.AssetId, FilterOperator.Equal, "a").Where(ReviewFields.Hidden, FilterOperator.Equal, false)
                .OrderBy(field, SortDirection.Descending)));
        }

        Assert.True(catalog.Covers(new DocumentQuery(AssetFields.ReportsCollection).Where("status", FilterOperator.Equal, "open").OrderBy("createdAt", SortDirection.Descending)));
    }

    [Fact]
    public void Tokens_hold_word_prefixes_tags_and_description_words()
    {
        var tokens = SearchTokens.For("Jetpack Compose Café", "Works offline everywhere", ["ui-kit"]);
        Assert.Contains("compo", tokens);
        Assert.Contains("caf", tokens);
        Assert.Contains("ui", tokens);
        Assert.Contains("kit", tokens);
        Assert.Contains("tag:ui-kit", tokens);
        Assert.Contains("offline", tokens);
        Assert.DoesNotContain("offl", tokens);
        Assert.Equal(["compose", "kit"], SearchTokens.ForQuery("Kit  COMPOSE a"));
    }

    [Fact]
    public async Task Filters_sorts_and_cursor_pages()
    {
        using var author = await factory.CreateClientForAsync("search-author");
        using var other = await factory.CreateClientForAsync("search-other");
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = await CreateAssetAsync(author, title: $"Paging Widget {i}", kind: i % 2 == 0 ? "template" : "component", tags: [i % 2 == 0 ? "even" : "odd"]);
            await ReadJsonAsync(await PublishViaSignedUrlAsync(author, id, "1.0.0", TemplateZip()));
            ids.Add(id);
        }

        // Two downloads of asset 3, one of asset 1: the downloads sort follows.
        foreach (var index in new[] { 3, 3, 1 })
        {
            await ReadJsonAsync(await other.GetAsync($"/v1/marketplace/assets/{ids[index]}/versions/1.0.0/download", Ct));
        }

        var byDownloads = Ids(await SearchAsync(other, "q=paging&sort=downloads"));
        Assert.Equal([ids[3], ids[1]], byDownloads.Take(2));
        Assert.Equal(ids.AsEnumerable().Reverse(), Ids(await SearchAsync(other, "q=paging&sort=recency")));
        Assert.Equal(3, Ids(await SearchAsync(other, "q=paging&kind=template")).Count);
        Assert.Equal(2, Ids(await SearchAsync(other, "tag=odd")).Count);
        Assert.Equal(2, Ids(await SearchAsync(other, "q=widget&tag=odd")).Count);
        Assert.Empty(Ids(await SearchAsync(other, "q=paging&author=nobody")));

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = await SearchAsync(other, "q=pag&sort=recency&pageSize=2" + (token is null ? "" : "&pageToken=" + token));
            seen.AddRange(Ids(page));
            token = page.TryGetProperty("nextPageToken", out var next) && next.ValueKind == System.Text.Json.JsonValueKind.String ? next.GetString() : null;
        }
        while (token is not null);
        Assert.Equal(ids.AsEnumerable().Reverse(), seen);

        using var badToken = await other.GetAsync("/v1/marketplace/search?q=paging&pageToken=garbage", Ct);
        await ProblemAssert.IsProblemAsync(badToken, HttpStatusCode.BadRequest);
        using var badSort = await other.GetAsync("/v1/marketplace/search?sort=random", Ct);
        await ProblemAssert.IsValidationProblemAsync(badSort, "sort");

        var highlights = await ReadJsonAsync(await other.GetAsync("/v1/marketplace/highlights", Ct));
        var highlighted = highlights.GetProperty("highlights").EnumerateArray().Select(h => h.GetProperty("id").GetString()).ToList();
        Assert.NotEmpty(highlighted);
        Assert.All(highlights.GetProperty("highlights").EnumerateArray(), h => Assert.Equal("template", h.GetProperty("kind").GetString()));
    }

    [Fact]
    public void Readme_and_changelog_render_without_scripts()
    {
        var html = SafeMarkdown.ToHtml("# Title\n<script>alert(1)</script>\n[click](javascript:alert(1)) <img src=x onerror=alert(1)> [ok](https://example.com)");
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<h1", html, StringComparison.Ordinal);
        Assert.Contains("href=\"https://example.com\"", html, StringComparison.Ordinal);
    }
}
