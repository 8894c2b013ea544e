using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class FreetextReaderTests
{
    [Fact]
    public async Task OpenPhish_feed_yields_one_indicator_per_value_line_and_an_error_per_unreadable_line()
    {
        var run = await FeedRun.ReadFileAsync(new FreetextReader(), FeedRun.Sample("openphish-feed.txt"));

        Assert.Equal(
            [
                ("url", "https://login-microsoftonline.example-phish.com/common/oauth2/authorize?client_id=4765445b"),
                ("url", "http://paypal.com.account-verify.example.net/signin/"),
                ("url", "https://secure-bankofamerica.example.org/login.php"),
                ("url", "https://docs-google.example.info/forms/d/e/1FAIpQLSf/viewform"),
                ("url", "http://198.51.100.23/wp-admin/office365/index.html"),
                ("ip-dst", "203.0.113.77"),
                ("hostname", "malware-c2.example.com"),
                ("md5", "44d88612fea8a8f36de82e1278abb02f"),
                ("url", "https://evil.example.com/path#frag"),
            ],
            run.Indicators.Select(i => (i.Type, i.Value)));
        Assert.Equal(["line 12", "line 13"], run.Errors.Select(e => e.Where));
        Assert.Contains("'this is not an indicator'", run.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Crlf_lines_are_read_and_control_characters_are_escaped_in_the_item_error()
    {
        var run = await FeedRun.ReadFileAsync(new FreetextReader(), FeedRun.Sample("freetext-crlf-hostile.txt"));

        Assert.Equal(["https://a.example.com/x", "https://b.example.com/y", "https://c.example.com/z"], run.Indicators.Select(i => i.Value));
        var error = Assert.Single(run.Errors);
        Assert.Equal("line 3", error.Where);
        Assert.Contains(@"bad\u0001value", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\u0001', error.Message);
    }

    [Fact]
    public async Task A_line_of_a_megabyte_is_one_item_error_and_the_lines_after_it_are_read()
    {
        using var file = new FeedRun.TempFile("https://a.example.com/\n" + new string('x', 1 << 20) + "\nhttps://b.example.com/\n");

        var run = await FeedRun.ReadFileAsync(new FreetextReader(), file.Path);

        Assert.Equal(["https://a.example.com/", "https://b.example.com/"], run.Indicators.Select(i => i.Value));
        var error = Assert.Single(run.Errors);
        Assert.Equal("line 2", error.Where);
        Assert.Contains("longer than", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 200);
    }

    [Fact]
    public async Task A_fixed_type_and_tags_apply_to_every_line_and_values_not_of_that_type_are_item_errors()
    {
        using var file = new FeedRun.TempFile("192.0.2.1\n2001:db8::1\nexample.com\n");

        var run = await FeedRun.ReadFileAsync(new FreetextReader(), file.Path, ("type", "ip-src"), ("addTags", "botnet, tlp:clear"));

        Assert.Equal(["192.0.2.1", "2001:db8::1"], run.Indicators.Select(i => i.Value));
        Assert.All(run.Indicators, i => Assert.Equal("ip-src", i.Type));
        Assert.All(run.Indicators, i => Assert.Equal(["botnet", "tlp:clear"], i.Tags));
        Assert.Equal("line 3", Assert.Single(run.Errors).Where);
    }

    [Fact]
    public async Task An_unknown_fixed_type_is_a_feed_error() =>
        await Assert.ThrowsAsync<FeedFormatException>(() =>
            FeedRun.ReadFileAsync(new FreetextReader(), FeedRun.Sample("openphish-feed.txt"), ("type", "nonsense")));
}
