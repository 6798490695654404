using PocketCode.Marketplace.Assets;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Search;

internal enum SearchSort
{
    Relevance,
    Downloads,
    Rating,
    Recency,
}

/// <summary>What a search page asks for, already validated.</summary>
internal sealed record SearchRequest(string? Query, string? Kind, string? Tag, string? Author, SearchSort Sort, int PageSize, QueryCursor? Cursor);

/// <summary>
/// Turns a search into exactly one document query: equality on <c>listed</c> (and <c>kind</c>,
/// <c>authorUid</c> when filtered), at most one <c>array-contains</c> on <c>searchTokens</c> (the
/// longest query word, or the <c>tag:x</c> token when there is no text), one descending order.
/// The other words and the tag alongside a text are checked on the page's documents (pages may come
/// back shorter than asked; the next page token continues). <see cref="Indexes"/> declares every
/// composite index these shapes need, built from the same field lists.
/// </summary>
internal static class SearchQueries
{
    public static string SortField(SearchSort sort) => sort switch
    {
        SearchSort.Downloads => AssetFields.Downloads,
        SearchSort.Rating => AssetFields.AverageRating,
        SearchSort.Recency => AssetFields.PublishedAt,
        _ => AssetFields.Score,
    };

    /// <summary>The query and the tokens each result must also hold (checked after the query).</summary>
    public static (DocumentQuery Query, IReadOnlyList<string> PostFilterTokens) Build(SearchRequest request)
    {
        var query = new DocumentQuery(AssetFields.Collection).Where(AssetFields.Listed, FilterOperator.Equal, true);
        if (request.Kind is { } kind)
        {
            query = query.Where(AssetFields.Kind, FilterOperator.Equal, kind);
        }

        if (request.Author is { } author)
        {
            query = query.Where(AssetFields.AuthorUid, FilterOperator.Equal, author);
        }

        var words = SearchTokens.ForQuery(request.Query);
        var postFilter = new List<string>();
        if (words.Count > 0)
        {
            query = query.Where(AssetFields.SearchTokens, FilterOperator.ArrayContains, words[0]);
            postFilter.AddRange(words.Skip(1));
            if (request.Tag is { } tag)
            {
                postFilter.Add(SearchTokens.TagToken(tag));
            }
        }
        else if (request.Tag is { } tag)
        {
            query = query.Where(AssetFields.SearchTokens, FilterOperator.ArrayContains, SearchTokens.TagToken(tag));
        }

        query = query.OrderBy(SortField(request.Sort), SortDirection.Descending).Take(request.PageSize).StartAfter(request.Cursor);
        return (query, postFilter);
    }

    /// <summary>Every query shape <see cref="Build"/> can produce, for the index coverage test.</summary>
    public static IEnumerable<DocumentQuery> AllShapes()
    {
        foreach (var kind in new[] { null, AssetFields.KindTemplate })
        {
            foreach (var author in new[] { null, "u" })
            {
                foreach (var (text, tag) in new[] { ((string?)null, (string?)null), ("compo", null), (null, "ui"), ("compo view", "ui") })
                {
                    foreach (var sort in Enum.GetValues<SearchSort>())
                    {
                        yield return Build(new SearchRequest(text, kind, tag, author, sort, 20, null)).Query;
                    }
                }
            }
        }
    }

    /// <summary>
    /// The composite indexes of search (also serving highlights and creator pages): for each subset
    /// of the optional equality fields, with and without the token, each sort field descending.
    /// </summary>
    public static DocumentStoreRequirements Indexes()
    {
        var indexes = new List<CompositeIndex>();
        string[][] equalitySets = [[AssetFields.Listed], [AssetFields.Kind, AssetFields.Listed], [AssetFields.AuthorUid, AssetFields.Listed], [AssetFields.AuthorUid, AssetFields.Kind, AssetFields.Listed]];
        foreach (var equalities in equalitySets)
        {
            foreach (var withToken in new[] { false, true })
            {
                foreach (var sort in Enum.GetValues<SearchSort>())
                {
                    var fields = equalities.Select(IndexField.Asc).ToList();
                    if (withToken)
                    {
                        fields.Add(IndexField.Contains(AssetFields.SearchTokens));
                    }

                    fields.Add(IndexField.Desc(SortField(sort)));
                    indexes.Add(new CompositeIndex(AssetFields.Collection, fields));
                }
            }
        }

        return new DocumentStoreRequirements(indexes, []);
    }
}
