using PocketCode.Platform;

namespace PocketCode.Storage.Documents;

/// <summary>
/// The <c>pageToken</c> of every list endpoint: <see cref="QueryCursor.ToToken"/> of the last page's
/// <see cref="QueryResult.NextCursor"/>. A token that was not made for the query is a 400, never a
/// wrong page.
/// </summary>
public static class PageTokens
{
    public const string Field = "pageToken";

    /// <summary>The cursor of a token, or null when there is none; 400 when it is not a token the service made.</summary>
    public static QueryCursor? Parse(string? pageToken)
    {
        if (string.IsNullOrEmpty(pageToken))
        {
            return null;
        }

        try
        {
            return QueryCursor.Parse(pageToken);
        }
        catch (FormatException)
        {
            throw NotOurs();
        }
    }

    /// <summary><paramref name="query"/> continued after the token's position; 400 when the token belongs to another list.</summary>
    public static DocumentQuery ContinueAfter(this DocumentQuery query, string? pageToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (Parse(pageToken) is not { } cursor)
        {
            return query;
        }

        try
        {
            cursor.EnsureMatches(query);
        }
        catch (FormatException)
        {
            throw NotOurs();
        }

        return query.StartAfter(cursor);
    }

    private static ProblemException NotOurs() =>
        ProblemException.BadRequest("pageToken is not a token this list returned; start again without it.");
}
