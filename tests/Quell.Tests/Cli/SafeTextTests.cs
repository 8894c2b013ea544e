using Quell.Server.Cli;

namespace Quell.Tests.Cli;

public sealed class SafeTextTests
{
    [Theory]
    [InlineData("plain title", "plain title")]
    [InlineData("\u001b[31mred\u001b[0m", "[31mred[0m")]
    [InlineData("tab\there\r\nnext", "tab here  next")]
    [InlineData("invoice\u202Efdp.exe", "invoicefdp.exe")]
    [InlineData("bell\u0007 and C1 \u009b", "bell and C1 ")]
    public void Control_and_bidi_characters_are_removed(string input, string expected) =>
        Assert.Equal(expected, SafeText.Clean(input));

    [Fact]
    public void Line_breaks_are_kept_only_when_asked() =>
        Assert.Equal("one\ntwo", SafeText.Clean("one\r\ntwo", keepLineBreaks: true));

    [Fact]
    public void Markup_brackets_are_escaped() =>
        Assert.Equal("[[red]]x[[/]]", SafeText.Markup("[red]x[/]"));

    [Fact]
    public void Long_values_are_cut_with_an_ellipsis() =>
        Assert.Equal("abc…", SafeText.Clean("abcdef", maxLength: 3));
}
