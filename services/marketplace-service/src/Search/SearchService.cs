using PocketCode.Marketplace.Assets;
using PocketCode.Platform;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Search;

/// <summary>Search over listed assets (one store query per page) and the home screen's highlights.</summary>
internal sealed class SearchService(IDocumentStore documents)
{
    public async Task<SearchPage> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        var (query, postFilter) = SearchQueries.Build(request);
        QueryResult result;
        try
        {
            result = await documents.QueryAsync(query, cancellationToken);
        }
        catch (FormatException)
        {
            throw ProblemException.BadRequest("pageToken does not belong to this search; start again without it.");
        }

        var items = result.Documents
            .Where(d => postFilter.Count == 0 || postFilter.All(AssetMapping.Strings(d.GetArray(AssetFields.SearchTokens)).Contains))
            .Select(AssetMapping.Summary)
            .ToList();
        return new SearchPage(items, result.NextCursor?.ToToken());
    }

    /// <summary>A few published templates for the home screen: the most downloaded, then the best rated.</summary>
    public async Task<HighlightsResponse> HighlightsAsync(CancellationToken cancellationToken)
    {
        var items = new List<AssetSummary>();
        foreach (var sort in new[] { SearchSort.Downloads, SearchSort.Rating })
        {
            var page = await SearchAsync(new SearchRequest(null, AssetFields.KindTemplate, null, null, sort, 3, null), cancellationToken);
            items.AddRange(page.Items.Where(i => !items.Exists(e => e.Id == i.Id)));
        }

        return new HighlightsResponse(items);
    }
}
