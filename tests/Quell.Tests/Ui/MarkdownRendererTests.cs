using Quell.Server.Ui.Shared;

namespace Quell.Tests.Ui;

public sealed class MarkdownRendererTests
{
    [Fact]
    public void Emphasis_lists_code_and_pipe_tables_render()
    {
        var html = MarkdownRenderer.ToSafeHtml("**bold** _it_\n\n- one\n- two\n\n`x`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("<em>it</em>", html);
        Assert.Contains("<li>one</li>", html);
        Assert.Contains("<code>x</code>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("<td>1</td>", html);
    }

    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    [InlineData("<svg onload=alert(1)>")]
    [InlineData("<iframe src=\"https://evil.example\"></iframe>")]
    [InlineData("<a href=\"javascript:alert(1)\">x</a>")]
    [InlineData("<div style=\"background:url(javascript:alert(1))\">x</div>")]
    public void Raw_html_is_shown_as_text_not_markup(string payload)
    {
        var html = MarkdownRenderer.ToSafeHtml(payload);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<svg", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<iframe", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<div", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<a", html, StringComparison.OrdinalIgnoreCase);
        AssertInert(html);
    }

    /// <summary>Parses the output as a browser would: no script-bearing element, no event handler, no non-http link.</summary>
    static void AssertInert(string html)
    {
        var doc = new AngleSharp.Html.Parser.HtmlParser().ParseDocument(html);
        foreach (var el in doc.Body!.QuerySelectorAll("*"))
        {
            Assert.DoesNotContain(el.LocalName, new[] { "script", "img", "svg", "iframe", "object", "embed", "style", "form", "input" });
            foreach (var attr in el.Attributes)
            {
                Assert.False(attr.LocalName.StartsWith("on", StringComparison.OrdinalIgnoreCase), $"event handler {attr.LocalName} in {html}");
                Assert.NotEqual("style", attr.LocalName);
                if (attr.LocalName is "href" or "src")
                    Assert.Matches("^(https?://|mailto:)", attr.Value);
            }
        }
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))")]
    [InlineData("[x](JaVaScRiPt:alert(1))")]
    [InlineData("[x](java\tscript:alert(1))")]
    [InlineData("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)")]
    [InlineData("[x](vbscript:msgbox(1))")]
    [InlineData("[x](/logout)")]
    [InlineData("[x]: javascript:alert(1)\n\n[y][x]")]
    public void Links_with_other_schemes_or_relative_targets_lose_their_href(string payload)
    {
        var html = MarkdownRenderer.ToSafeHtml(payload);
        Assert.DoesNotContain("href", html, StringComparison.OrdinalIgnoreCase);
        AssertInert(html);
    }

    [Fact]
    public void Http_links_get_rel_noopener_noreferrer_nofollow()
    {
        var html = MarkdownRenderer.ToSafeHtml("[docs](https://example.org/a?b=1) and <mailto:soc@example.org>");
        Assert.Contains("href=\"https://example.org/a?b=1\"", html);
        Assert.Contains("rel=\"noopener noreferrer nofollow\"", html);
        Assert.Contains("href=\"mailto:soc@example.org\"", html);
    }

    [Theory]
    [InlineData("![x](https://tracker.example/pixel.gif)")]
    [InlineData("![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)")]
    public void Images_are_dropped(string payload)
    {
        var html = MarkdownRenderer.ToSafeHtml(payload);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("tracker.example", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("**<script>alert(1)</script>**")]
    [InlineData("`<script>` <scr<script>ipt>alert(1)</script>")]
    [InlineData("[<img src=x onerror=alert(1)>](https://example.org)")]
    [InlineData("[x](https://example.org \"\\\" onmouseover=\\\"alert(1)\")")]
    [InlineData("<<script>script>alert(1)<</script>/script>")]
    public void Nested_markdown_and_html_tricks_stay_inert(string payload)
    {
        var html = MarkdownRenderer.ToSafeHtml(payload);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", html, StringComparison.OrdinalIgnoreCase);
        AssertInert(html);
    }

    [Fact]
    public void Empty_text_renders_nothing() => Assert.Equal("", MarkdownRenderer.ToSafeHtml("  "));
}
