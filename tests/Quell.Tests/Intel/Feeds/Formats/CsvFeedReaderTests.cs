using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class CsvFeedReaderTests
{
    static readonly (string, string)[] Mapped =
        [("value", "indicator"), ("type", "kind"), ("tags", "labels"), ("comment", "note"), ("firstSeen", "first_seen")];

    [Fact]
    public async Task Named_columns_map_type_tags_comment_and_first_seen_and_bad_rows_are_item_errors()
    {
        var run = await FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("mapped.csv"), Mapped);

        Assert.Equal([("ip-dst", "198.51.100.10"), ("domain", "evil.example.com"), ("md5", "44d88612fea8a8f36de82e1278abb02f")],
            run.Indicators.Select(i => (i.Type, i.Value)));
        Assert.Equal(["botnet", "tlp:green"], run.Indicators[0].Tags);
        Assert.Equal("C2 of the week", run.Indicators[0].Comment);
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), run.Indicators[0].FirstSeen);
        Assert.Equal(new DateTimeOffset(2024, 3, 2, 8, 30, 0, TimeSpan.Zero), run.Indicators[1].FirstSeen);
        Assert.Null(run.Indicators[1].Comment);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1709290800), run.Indicators[2].FirstSeen);

        Assert.Equal(["line 6", "line 7", "line 8", "line 9", "line 10"], run.Errors.Select(e => e.Where));
        Assert.Contains("sha256", run.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("'ip-unknown' is not a MISP attribute type", run.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("'yesterday' is not a date", run.Errors[2].Message, StringComparison.Ordinal);
        Assert.Contains("has 1 columns", run.Errors[3].Message, StringComparison.Ordinal);
        Assert.Contains("quote", run.Errors[4].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MISP_style_numbered_value_column_with_another_delimiter_detects_types()
    {
        var run = await FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("pipe.csv"), ("value", "3"), ("delimiter", "|"));

        Assert.Equal([("ip-dst", "192.0.2.44"), ("hostname", "bad.example.info")], run.Indicators.Select(i => (i.Type, i.Value)));
        Assert.Equal("line 4", Assert.Single(run.Errors).Where);
    }

    [Fact]
    public async Task A_fixed_type_applies_to_every_row_and_several_value_columns_each_give_an_indicator()
    {
        using var file = new FeedRun.TempFile("192.0.2.1,192.0.2.2\n192.0.2.3,\n");

        var run = await FeedRun.ReadFileAsync(new CsvFeedReader(), file.Path, ("value", "1,2"), ("defaultType", "ip-src"));

        Assert.Equal(["192.0.2.1", "192.0.2.2", "192.0.2.3"], run.Indicators.Select(i => i.Value));
        Assert.All(run.Indicators, i => Assert.Equal("ip-src", i.Type));
        Assert.Empty(run.Errors);
    }

    [Theory]
    [InlineData("value", "missing", "column 'missing' is not in the header (indicator, kind, labels, note, first_seen")]
    [InlineData("value", "9", "column 9 does not exist; the first row has 5 columns")]
    public async Task A_column_the_file_does_not_have_is_one_feed_error_naming_it(string option, string column, string message)
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() =>
            FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("mapped.csv"), (option, column), ("header", "yes")));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Contradicting_options_are_a_feed_error()
    {
        await Assert.ThrowsAsync<FeedFormatException>(() =>
            FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("pipe.csv"), ("type", "2"), ("defaultType", "md5")));
        await Assert.ThrowsAsync<FeedFormatException>(() =>
            FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("pipe.csv"), ("delimiter", "||")));
        await Assert.ThrowsAsync<FeedFormatException>(() =>
            FeedRun.ReadFileAsync(new CsvFeedReader(), FeedRun.Sample("pipe.csv"), ("value", "url"), ("header", "no")));
    }

    [Fact]
    public async Task A_record_of_a_megabyte_fails_the_feed_with_its_line()
    {
        using var file = new FeedRun.TempFile("192.0.2.1\n\"" + new string('a', 1 << 20) + "\n192.0.2.2\n");

        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new CsvFeedReader(), file.Path));

        Assert.Contains("longer than", e.Message, StringComparison.Ordinal);
        Assert.True(e.Message.Length < 300);
    }

    [Fact]
    public async Task Control_characters_in_a_value_are_escaped_in_the_item_error()
    {
        using var file = new FeedRun.TempFile("bad\u0007value\n");

        var run = await FeedRun.ReadFileAsync(new CsvFeedReader(), file.Path);

        Assert.Contains(@"bad\u0007value", Assert.Single(run.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_space_delimiter_as_in_one_of_MISPs_feeds_splits_fields()
    {
        using var file = new FeedRun.TempFile("2024-05-01 192.0.2.9 ssh\n");

        var run = await FeedRun.ReadFileAsync(new CsvFeedReader(), file.Path, ("value", "2"), ("delimiter", " "));

        Assert.Equal(["192.0.2.9"], run.Indicators.Select(i => i.Value));
    }
}
