using PocketCode.Marketplace.Assets;
using PocketCode.Marketplace.Search;
using PocketCode.Storage.Documents;

namespace PocketCode.Marketplace.Bench;

/// <summary>
/// Seeds a deterministic catalogue of marketplace assets (same seed, same catalogue) through the
/// document store port, with the documents the service itself writes: title and tag words drawn
/// from a skewed vocabulary (so some prefixes match a large share of the catalogue, as "compose"
/// would), popularity skewed the same way, 95% listed.
/// </summary>
internal static class CatalogueGenerator
{
    public static readonly string[] Vocabulary =
    [
        "compose", "login", "screen", "material", "list", "chat", "camera", "map", "player", "settings",
        "onboarding", "dashboard", "profile", "feed", "gallery", "calendar", "weather", "notes", "todo", "timer",
        "navigation", "drawer", "tabs", "bottom", "sheet", "dialog", "card", "grid", "pager", "carousel",
        "room", "retrofit", "ktor", "hilt", "koin", "coroutines", "flow", "paging", "datastore", "workmanager",
        "firebase", "auth", "billing", "ads", "analytics", "crash", "push", "deep", "link", "widget",
        "glance", "wear", "tv", "auto", "tablet", "foldable", "adaptive", "dark", "theme", "typography",
        "animation", "lottie", "shimmer", "skeleton", "pull", "refresh", "swipe", "drag", "reorder", "search",
        "filter", "sort", "form", "validation", "input", "otp", "biometric", "qr", "scanner", "barcode",
        "pdf", "viewer", "editor", "markdown", "code", "syntax", "highlight", "terminal", "console", "logger",
        "network", "offline", "sync", "cache", "image", "coil", "glide", "video", "exoplayer", "audio",
        "recorder", "speech", "translate", "ml", "kit", "tensorflow", "ar", "sensor", "bluetooth", "nfc",
        "location", "geofence", "fitness", "health", "steps", "sleep", "music", "podcast", "radio", "news",
        "shop", "cart", "checkout", "payment", "wallet", "crypto", "stocks", "budget", "expense", "invoice",
        "recipe", "food", "delivery", "taxi", "booking", "hotel", "travel", "flight", "ticket", "event",
        "quiz", "game", "puzzle", "chess", "snake", "tetris", "flappy", "score", "leaderboard", "achievement",
        "template", "starter", "boilerplate", "clean", "architecture", "mvvm", "mvi", "modular", "multiplatform", "kmp",
    ];

    public static readonly string[] Tags =
    [
        "compose", "ui", "material3", "networking", "database", "auth", "media", "camera", "maps", "games",
        "finance", "health", "social", "productivity", "education", "travel", "shopping", "food", "music", "tools",
        "testing", "architecture", "animation", "accessibility", "wear", "tv", "widgets", "ml", "ar", "iot",
    ];

    public static async Task SeedAsync(IDocumentStore store, int count, int seed, Action<int>? progress = null)
    {
        var random = new Random(seed);
        var epoch = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        const int batchSize = 1000;
        for (var start = 0; start < count; start += batchSize)
        {
            var batch = Enumerable.Range(start, Math.Min(batchSize, count - start)).Select(i => Asset(i, random, epoch)).ToList();
            await store.RunTransactionAsync((tx, _) =>
            {
                foreach (var (id, data) in batch)
                {
                    tx.Set(AssetFields.AssetPath(id), data);
                }

                return Task.FromResult(true);
            });
            progress?.Invoke(start + batch.Count);
        }
    }

    public static string AssetId(int i) => "a" + i.ToString("D19", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Skewed pick: low indexes are much more frequent (roughly Zipf-like).</summary>
    private static T Skewed<T>(Random random, T[] items) => items[(int)(items.Length * Math.Pow(random.NextDouble(), 2.5))];

    private static (string Id, Dictionary<string, object?> Data) Asset(int i, Random random, DateTimeOffset epoch)
    {
        var titleWords = Enumerable.Range(0, random.Next(2, 5)).Select(_ => Skewed(random, Vocabulary)).Distinct().ToList();
        var title = string.Join(' ', titleWords.Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
        var description = string.Join(' ', Enumerable.Range(0, random.Next(8, 20)).Select(_ => Vocabulary[random.Next(Vocabulary.Length)])) + ".";
        var tags = Enumerable.Range(0, random.Next(1, 4)).Select(_ => Skewed(random, Tags)).Distinct().ToList();
        var kind = random.Next(2) == 0 ? AssetFields.KindTemplate : AssetFields.KindComponent;
        var reviewCount = (long)(Math.Pow(random.NextDouble(), 4) * 500);
        var ratingSum = reviewCount == 0 ? 0 : (long)(reviewCount * (1 + (random.NextDouble() * 4)));
        var published = epoch.AddMinutes(random.Next(0, 60 * 24 * 600));
        var listed = random.Next(100) >= 5;
        var data = new Dictionary<string, object?>
        {
            [AssetFields.AuthorUid] = "u" + random.Next(0, 2000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            [AssetFields.Kind] = kind,
            [AssetFields.Title] = title,
            [AssetFields.Description] = description,
            [AssetFields.Readme] = "# " + title + "\n\n" + description,
            [AssetFields.Tags] = tags,
            [AssetFields.License] = "MIT",
            [AssetFields.MinSettings] = new Dictionary<string, object?> { ["minSdk"] = "24" },
            [AssetFields.Status] = AssetFields.StatusPublished,
            [AssetFields.Hidden] = !listed,
            [AssetFields.Listed] = listed,
            [AssetFields.LatestVersion] = "1.0.0",
            [AssetFields.VersionCount] = 1L,
            [AssetFields.Downloads] = (long)(Math.Pow(random.NextDouble(), 6) * 1_000_000),
            [AssetFields.ReviewCount] = reviewCount,
            [AssetFields.RatingSum] = ratingSum,
            [AssetFields.AverageRating] = reviewCount > 0 ? (double)ratingSum / reviewCount : 0.0,
            [AssetFields.Score] = AssetFields.ScoreOf(reviewCount, ratingSum),
            [AssetFields.SearchTokens] = SearchTokens.For(title, description, tags),
            [AssetFields.CreatedAt] = published,
            [AssetFields.UpdatedAt] = published,
            [AssetFields.PublishedAt] = published,
        };
        return (AssetId(i), data);
    }
}
