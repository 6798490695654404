using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PocketCode.Bff.Users;

/// <summary>
/// HTTP entity tags over a document's version (<c>DocumentSnapshot.Version</c>, its update time):
/// strong tags, since the same version always has the same representation.
/// </summary>
internal static class EntityTags
{
    public static string Format(string version) => "\"" + version + "\"";

    /// <summary><c>If-None-Match</c>: true when a listed tag (weak comparison) or <c>*</c> names the current version.</summary>
    public static bool NoneMatchHits(StringValues header, string version) => Matches(header, version, strong: false);

    /// <summary><c>If-Match</c>: true when a listed tag (strong comparison) or <c>*</c> names the current version; malformed headers never match.</summary>
    public static bool MatchHolds(StringValues header, string version) => Matches(header, version, strong: true);

    private static bool Matches(StringValues header, string version, bool strong)
    {
        if (!EntityTagHeaderValue.TryParseList(header, out var tags))
        {
            return false;
        }

        var current = new EntityTagHeaderValue(Format(version));
        return tags.Any(tag => tag.Equals(EntityTagHeaderValue.Any) || tag.Compare(current, useStrongComparison: strong));
    }
}
