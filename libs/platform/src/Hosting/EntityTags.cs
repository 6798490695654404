using System.Globalization;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace PocketCode.Platform;

/// <summary>
/// HTTP entity tags (RFC 9110 §8.8.3) and the conditional headers that carry them. Tags are opaque
/// versions (a blob generation, a document update time) sent quoted: <c>"1712345678901234"</c>.
/// </summary>
public static class EntityTags
{
    /// <summary>A strong tag: <c>"opaque"</c>.</summary>
    public static string Quote(string opaque) => "\"" + opaque + "\"";

    /// <summary>A weak tag: <c>W/"opaque"</c> (same meaning, not byte-for-byte the same representation).</summary>
    public static string Weak(string opaque) => "W/" + Quote(opaque);

    public static string Quote(long generation) => Quote(generation.ToString(CultureInfo.InvariantCulture));

    /// <summary><c>If-None-Match</c>: true when the header names the current version (weak comparison) or is <c>*</c>.</summary>
    public static bool NoneMatchHits(StringValues header, string currentOpaque) => Parse(header).HitForIfNoneMatch(currentOpaque);

    /// <summary><c>If-Match</c>: true when the header names the current version (strong comparison) or is <c>*</c>; a malformed header never holds.</summary>
    public static bool MatchHolds(StringValues header, string currentOpaque) => Parse(header).MatchesForIfMatch(currentOpaque);

    /// <summary>The tags of a conditional header; <see cref="Condition.None"/> when absent.</summary>
    public static Condition Parse(StringValues header)
    {
        if (StringValues.IsNullOrEmpty(header))
        {
            return Condition.None;
        }

        if (!EntityTagHeaderValue.TryParseStrictList(header, out var parsed) || parsed.Count == 0)
        {
            // An unparsable condition can never hold; a write under it must not happen.
            return new Condition(true, false, [], Malformed: true);
        }

        var any = parsed.Any(t => t.Equals(EntityTagHeaderValue.Any));
        var tags = parsed.Where(t => !t.Equals(EntityTagHeaderValue.Any))
            .Select(t => new Tag(t.Tag.ToString().Trim('"'), t.IsWeak))
            .ToList();
        return new Condition(true, any, tags, Malformed: false);
    }

    public readonly record struct Tag(string Opaque, bool IsWeak);

    /// <summary>A parsed <c>If-Match</c> or <c>If-None-Match</c> header.</summary>
    public sealed record Condition(bool Present, bool Any, IReadOnlyList<Tag> Tags, bool Malformed)
    {
        public static Condition None { get; } = new(false, false, [], false);

        /// <summary>If-Match: strong comparison; <c>*</c> matches any existing representation.</summary>
        public bool MatchesForIfMatch(string? currentOpaque) =>
            currentOpaque is not null && (Any || Tags.Any(t => !t.IsWeak && t.Opaque == currentOpaque));

        /// <summary>If-None-Match: weak comparison; true means the condition fails (304 on reads, 412 on writes).</summary>
        public bool HitForIfNoneMatch(string? currentOpaque) =>
            currentOpaque is not null && (Any || Tags.Any(t => t.Opaque == currentOpaque));

        /// <summary>The one strong tag of <c>If-Match: "x"</c>, the common case a store precondition can carry directly.</summary>
        public string? SingleStrongTag => !Any && Tags.Count == 1 && !Tags[0].IsWeak ? Tags[0].Opaque : null;
    }
}
