using System.Text;
using System.Text.Json;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Catalogue;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Catalogue;

public sealed class FeedCatalogueTests
{
    static FeedCatalogue LoadShared()
    {
        using var stream = File.OpenRead(TestData.Shared("misp", "default-feeds.json"));
        return FeedCatalogue.Load(stream);
    }

    [Fact]
    public void Every_feed_of_MISPs_catalogue_becomes_an_entry_with_one_of_our_formats()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(TestData.Shared("misp", "default-feeds.json")));
        var feeds = json.RootElement.EnumerateArray().Select(i => i.GetProperty("Feed")).ToList();

        var catalogue = LoadShared();

        Assert.Empty(catalogue.Errors);
        Assert.Equal(feeds.Count, catalogue.Entries.Count);
        Assert.Equal(feeds.Select(f => f.GetProperty("url").GetString()), catalogue.Entries.Select(e => e.Url));
        Assert.All(catalogue.Entries, e => Assert.Contains(e.Format, new[] { "misp", "freetext", "csv", "phishtank", "urlhaus", "feodo" }));
        Assert.Equal(feeds.Count(f => f.GetProperty("source_format").GetString() == "misp"), catalogue.Entries.Count(e => e.Format == "misp"));
        Assert.Equal(catalogue.Entries.Count, catalogue.Entries.Select(e => e.Id).Distinct().Count());
        Assert.All(catalogue.Entries, e => Assert.StartsWith(new Uri(e.Url).GetLeftPart(UriPartial.Authority), e.TermsUrl, StringComparison.Ordinal));
    }

    [Fact]
    public void MISPs_default_feeds_are_enabled_by_default_and_dedicated_readers_take_their_feeds()
    {
        var catalogue = LoadShared();

        Assert.Equal(["CIRCL", "Botvrij.eu"], catalogue.Entries.Where(e => e.DefaultEnabled).Select(e => e.Provider));
        Assert.Equal("https://www.circl.lu/doc/misp/feed-osint", catalogue.Entries.First(e => e.DefaultEnabled).Url);
        Assert.Equal("phishtank", catalogue.Entries.Single(e => e.Url == "https://data.phishtank.com/data/online-valid.csv").Format);
        Assert.Equal("feodo", catalogue.Entries.Single(e => e.Url == "https://feodotracker.abuse.ch/downloads/ipblocklist.csv").Format);
        Assert.Equal("urlhaus", catalogue.Entries.Single(e => e.Url == "https://urlhaus.abuse.ch/downloads/csv_recent/").Format);
        Assert.Equal("freetext", catalogue.Entries.Single(e => e.Url == "https://openphish.com/feed.txt").Format);
        Assert.Contains("osint:source-type=\"block-or-filter-list\"", catalogue.Entries.Single(e => e.Url == "https://openphish.com/feed.txt").Tags);
    }

    [Fact]
    public void CSV_feeds_keep_MISPs_value_columns_and_delimiter_as_reader_options()
    {
        var catalogue = LoadShared();

        var semicolon = catalogue.Entries.Single(e => e.Options.TryGetValue("value", out var v) && v == "3,4");
        Assert.Equal(("csv", ";"), (semicolon.Format, semicolon.Options["delimiter"]));
        var pipe = catalogue.Entries.First(e => e.Options.TryGetValue("delimiter", out var d) && d == "|");
        Assert.Equal("3", pipe.Options["value"]);
        Assert.All(catalogue.Entries.Where(e => e.Format == "csv"), e => Assert.True(e.Options.ContainsKey("value")));
    }

    [Fact]
    public void The_shipped_catalogue_reads_without_errors_has_terms_for_every_feed_and_finds_entries_by_id()
    {
        var shipped = FeedCatalogue.Default;

        Assert.Empty(shipped.Errors);
        Assert.True(shipped.Entries.Count >= 10);
        Assert.All(shipped.Entries, e => Assert.False(string.IsNullOrWhiteSpace(e.Terms), e.Name));
        Assert.Contains(shipped.Entries, e => e.Format == "urlhaus");
        Assert.Contains(shipped.Entries, e => e.Format == "feodo");
        Assert.Contains(shipped.Entries, e => e.Format == "phishtank");
        var circl = shipped.Entries.Single(e => e.DefaultEnabled && e.Provider == "CIRCL");
        Assert.StartsWith("circl-osint-feed-", circl.Id, StringComparison.Ordinal);
        // The same feed in MISP's own catalogue gets the same id: the id is the name's slug and the URL's digest.
        Assert.Equal(circl.Id, LoadShared().Entries.Single(e => e.Url == circl.Url).Id);
        Assert.Equal(circl.Url, shipped.Find(circl.Id)?.Url);
        Assert.Null(shipped.Find("no-such-feed"));
    }

    [Fact]
    public void Bad_catalogue_items_are_errors_and_the_rest_is_kept()
    {
        const string json = """
            [
              {"Feed": {"name": "Good", "provider": "p", "url": "https://feeds.example.org/list.txt", "source_format": "freetext"}},
              {"Feed": {"name": "Local", "provider": "p", "url": "file:///etc/passwd", "source_format": "freetext"}},
              {"Feed": {"name": "Odd", "provider": "p", "url": "https://feeds.example.org/x", "source_format": "stix-over-pigeon"}},
              {"NotAFeed": 1},
              {"Feed": {"name": "Good again", "provider": "p", "url": "https://feeds.example.org/list.txt", "source_format": "freetext"}}
            ]
            """;

        var catalogue = FeedCatalogue.Load(new MemoryStream(Encoding.UTF8.GetBytes(json)));

        Assert.Equal(["Good"], catalogue.Entries.Select(e => e.Name));
        Assert.Equal(["catalogue item 1", "catalogue item 2", "catalogue item 3", "catalogue item 4"], catalogue.Errors.Select(e => e.Where));
        Assert.Throws<FeedFormatException>(() => FeedCatalogue.Load(new MemoryStream("{\"Feed\": 1}"u8.ToArray())));
        Assert.Throws<FeedFormatException>(() => FeedCatalogue.Load(new MemoryStream("[{\"Feed\""u8.ToArray())));
    }
}
