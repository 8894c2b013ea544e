using Ganss.Xss;
using Markdig;

namespace Quell.Server.Ui.Shared;

/// <summary>
/// Comments and task logs are Markdown written by analysts — and often pasted from phishing mails and alerts, so they
/// are hostile input. Markdig renders CommonMark with pipe tables and no raw HTML; HtmlSanitizer then keeps only a
/// small set of tags, only http/https/mailto links (with rel="noopener noreferrer nofollow") and no images: an image
/// from another host would tell an attacker that, and when, the analyst read the case (the CSP would block it too).
/// </summary>
public static class MarkdownRenderer
{
    static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().DisableHtml().Build();

    static readonly string[] Tags =
    [
        "p", "br", "hr", "em", "strong", "del", "code", "pre", "blockquote", "ul", "ol", "li",
        "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
    ];

    static readonly string[] AbsoluteSchemes = ["http://", "https://", "mailto:"];

    static HtmlSanitizer NewSanitizer()
    {
        var s = new HtmlSanitizer(new HtmlSanitizerOptions
        {
            AllowedTags = new HashSet<string>(Tags, StringComparer.OrdinalIgnoreCase),
            AllowedAttributes = new HashSet<string>(["href", "title", "start", "align"], StringComparer.OrdinalIgnoreCase),
            AllowedSchemes = new HashSet<string>(["http", "https", "mailto"], StringComparer.OrdinalIgnoreCase),
            UriAttributes = new HashSet<string>(["href"], StringComparer.OrdinalIgnoreCase),
            AllowedCssProperties = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
            AllowedAtRules = new HashSet<AngleSharp.Css.Dom.CssRuleType>(),
            AllowedClasses = new HashSet<string>(StringComparer.OrdinalIgnoreCase),
        });
        // Relative links would point into Quell itself (a crafted "/logout" link); only absolute ones stay. (Uri.TryCreate
        // is no help here: on Unix it takes "/logout" for an absolute file path.)
        s.FilterUrl += (_, e) =>
        {
            if (e.SanitizedUrl is { } u && !AbsoluteSchemes.Any(p => u.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
                e.SanitizedUrl = null;
        };
        s.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { LocalName: "a" } a)
                a.SetAttribute("rel", "noopener noreferrer nofollow");
        };
        return s;
    }

    /// <summary>Safe HTML for <paramref name="markdown"/>. HtmlSanitizer instances are not thread-safe; one per call is cheap.</summary>
    public static string ToSafeHtml(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
            return "";
        var html = Markdig.Markdown.ToHtml(markdown, Pipeline);
        return NewSanitizer().Sanitize(html);
    }
}
