using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Feeds.Formats;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class PhishTankReaderTests
{
    [Fact]
    public async Task Online_valid_JSON_yields_verified_online_phishes_tagged_with_their_target()
    {
        var run = await FeedRun.ReadFileAsync(new PhishTankReader(), FeedRun.Sample("phishtank-online-valid.json"));

        Assert.Equal(
            [
                ("8412001", "https://secure-paypal.example-login.com/webapps/signin"),
                ("8412002", "http://bank.example.net/login.php"),
                ("8412007", "https://login.microsoftonline.example-365.com/common/"),
            ],
            run.Indicators.Select(i => (i.SourceRef, i.Value)));
        Assert.Equal(["phishtank:target=\"PayPal\""], run.Indicators[0].Tags);
        Assert.Empty(run.Indicators[1].Tags);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 8, 15, 47, TimeSpan.Zero), run.Indicators[0].FirstSeen);
        Assert.Equal(["entry 4 (phish 8412005)", "entry 5"], run.Errors.Select(e => e.Where));
        Assert.Contains(@"\u0007", run.Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Online_valid_CSV_yields_the_same_kind_of_indicators()
    {
        var run = await FeedRun.ReadFileAsync(new PhishTankReader(), FeedRun.Sample("phishtank-online-valid.csv"));

        Assert.Equal(["https://secure-paypal.example-login.com/webapps/signin", "http://bank.example.net/login.php?a=1,b=2"], run.Indicators.Select(i => i.Value));
        Assert.Equal(["phishtank:target=\"PayPal\""], run.Indicators[0].Tags);
        var error = Assert.Single(run.Errors);
        Assert.Equal("line 6", error.Where);
        Assert.Contains("closing quote", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Truncated_JSON_is_a_feed_error_after_the_entries_before_it()
    {
        var read = new List<FeedEntry>();
        var path = FeedRun.Sample("phishtank-truncated.json");
        var e = await Assert.ThrowsAsync<FeedFormatException>(async () =>
        {
            await foreach (var entry in new PhishTankReader().ReadAsync(new FeedRequest(path, new Dictionary<string, string>()), LocalFeeds.Fetcher(path), CancellationToken.None))
                read.Add(entry);
        });
        Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        // The sample is the first 900 bytes of phishtank-online-valid.json: two whole entries.
        Assert.Equal(["8412001", "8412002"], read.Select(r => r.Indicator!.SourceRef));
    }

    [Fact]
    public async Task A_JSON_document_that_is_not_an_array_is_a_feed_error()
    {
        using var file = new FeedRun.TempFile("""{"phish_id": 1}""", ".json");
        await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new PhishTankReader(), file.Path));
    }
}
