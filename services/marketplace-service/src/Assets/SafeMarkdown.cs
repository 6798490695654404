using Ganss.Xss;
using Markdig;

namespace PocketCode.Marketplace.Assets;

/// <summary>
/// README and changelog Markdown to HTML that is safe to show: Markdig with raw HTML disabled
/// (it is escaped as text), then HtmlSanitizer as a second line (drops <c>javascript:</c> and other
/// unsafe URL schemes, event attributes and anything not on its allow-list).
/// </summary>
internal static class SafeMarkdown
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .DisableHtml()
        .UsePipeTables()
        .UseAutoLinks()
        .Build();

    private static readonly HtmlSanitizer Sanitizer = CreateSanitizer();

    public static string ToHtml(string? markdown) =>
        string.IsNullOrEmpty(markdown) ? string.Empty : Sanitizer.Sanitize(Markdown.ToHtml(markdown, Pipeline));

    private static HtmlSanitizer CreateSanitizer()
    {
        var sanitizer = new HtmlSanitizer();
        sanitizer.AllowedSchemes.Clear();
        sanitizer.AllowedSchemes.Add("https");
        sanitizer.AllowedSchemes.Add("http");
        sanitizer.AllowedSchemes.Add("mailto");
        return sanitizer;
    }
}
