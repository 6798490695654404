using System.Text;

namespace PocketCode.Marketplace.Search;

/// <summary>
/// The <c>searchTokens</c> array of an asset: the one array field Firestore's single
/// <c>array-contains</c> per query runs against. It holds every prefix (2 to
/// <see cref="MaxTokenLength"/> characters) of the words of the title and tags, the whole words of
/// the description, and <c>tag:x</c> tokens for the tag filter. Words are lower-cased runs of letters and
/// digits. See docs/architecture.md, "Marketplace search".
/// </summary>
internal static class SearchTokens
{
    public const int MinTokenLength = 2;
    public const int MaxTokenLength = 15;
    public const int MaxDescriptionWords = 150;
    public const string TagPrefix = "tag:";

    public static List<string> For(string title, string? description, IReadOnlyList<string> tags)
    {
        var tokens = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var word in Words(title).Concat(tags.SelectMany(Words)))
        {
            for (var length = MinTokenLength; length <= Math.Min(word.Length, MaxTokenLength); length++)
            {
                tokens.Add(word[..length]);
            }
        }

        foreach (var word in Words(description ?? string.Empty).Distinct(StringComparer.Ordinal).Take(MaxDescriptionWords))
        {
            if (word.Length >= MinTokenLength)
            {
                tokens.Add(word.Length > MaxTokenLength ? word[..MaxTokenLength] : word);
            }
        }

        foreach (var tag in tags)
        {
            tokens.Add(TagToken(tag));
        }

        return [.. tokens];
    }

    public static string TagToken(string tag) => TagPrefix + tag;

    /// <summary>The tokens a text query asks for: one per word of at least two characters, longest first.</summary>
    public static List<string> ForQuery(string? query) =>
        Words(query ?? string.Empty)
            .Where(w => w.Length >= MinTokenLength)
            .Select(w => w.Length > MaxTokenLength ? w[..MaxTokenLength] : w)
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(w => w.Length)
            .ThenBy(w => w, StringComparer.Ordinal)
            .ToList();

    public static IEnumerable<string> Words(string text)
    {
        var word = new StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                word.Append(char.ToLowerInvariant(c));
            }
            else if (word.Length > 0)
            {
                yield return word.ToString();
                word.Clear();
            }
        }

        if (word.Length > 0)
        {
            yield return word.ToString();
        }
    }
}
