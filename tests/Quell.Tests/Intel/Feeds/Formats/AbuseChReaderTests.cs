using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Formats;

namespace Quell.Tests.Intel.Feeds.Formats;

/// <summary>URLhaus and Feodo Tracker, abuse.ch's CSV exports.</summary>
public sealed class AbuseChReaderTests
{
    [Fact]
    public async Task URLhaus_export_yields_url_indicators_with_tags_threat_status_and_dates()
    {
        var run = await FeedRun.ReadFileAsync(new UrlhausReader(), FeedRun.Sample("urlhaus.csv"));

        Assert.Equal(
            [
                ("3312001", "http://198.51.100.14:45123/i"),
                ("3312000", "https://files.example-cdn.net/invoice_2026.zip"),
                ("3311999", "http://bad.example.org/bins/x86"),
            ],
            run.Indicators.Select(i => (i.SourceRef, i.Value)));
        Assert.All(run.Indicators, i => Assert.Equal("url", i.Type));
        var mozi = run.Indicators[0];
        Assert.Equal(["32-bit", "elf", "mips", "Mozi", "malware_download"], mozi.Tags);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 35, 7, TimeSpan.Zero), mozi.FirstSeen);
        Assert.Equal(mozi.FirstSeen, mozi.LastSeen);
        Assert.Equal("URLhaus: online; reported by geenensp", mozi.Comment);
        Assert.Equal("URLhaus: offline; reported by abuse_ch", run.Indicators[1].Comment);
        Assert.Null(run.Indicators[1].LastSeen);
        Assert.Equal(["malware_download"], run.Indicators[2].Tags);

        Assert.Equal(["line 13 (URLhaus id 3311998)", "line 14", "line 15 (URLhaus id 3311996)"], run.Errors.Select(e => e.Where));
        Assert.Contains("'not a url' is not a valid url", run.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("the row has 3 columns; a URLhaus row has 9", run.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("'someday'", run.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_file_with_other_columns_is_not_read_as_URLhaus()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new UrlhausReader(), FeedRun.Sample("urlhaus-wrong-columns.csv")));
        Assert.Contains("the first row has 6 columns; a URLhaus file has 9 (id, dateadded, url", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Feodo_blocklist_yields_address_and_port_indicators_tagged_with_the_malware()
    {
        var run = await FeedRun.ReadFileAsync(new FeodoReader(), FeedRun.Sample("feodo-ipblocklist.csv"), ("addTags", "botnet-c2"));

        Assert.Equal(["198.51.100.205|443", "203.0.113.32|4643", "2001:db8::7|8080"], run.Indicators.Select(i => i.Value));
        Assert.All(run.Indicators, i => Assert.Equal("ip-dst|port", i.Type));
        Assert.Equal(["botnet-c2", "QakBot"], run.Indicators[0].Tags);
        Assert.Equal("Feodo Tracker C2: offline", run.Indicators[1].Comment);
        Assert.Equal(new DateTimeOffset(2026, 10, 17, 7, 30, 5, TimeSpan.Zero), run.Indicators[0].FirstSeen);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero), run.Indicators[0].LastSeen);

        Assert.Equal(["line 13", "line 14", "line 15"], run.Errors.Select(e => e.Where));
        Assert.Contains("203.0.113.999", run.Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("port", run.Errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("the row has 3 columns", run.Errors[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Feodo_header_naming_other_columns_is_a_feed_error()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new FeodoReader(), FeedRun.Sample("feodo-wrong-header.csv")));
        Assert.Contains("the header has the columns first_seen_utc, ip_address", e.Message, StringComparison.Ordinal);
    }
}
