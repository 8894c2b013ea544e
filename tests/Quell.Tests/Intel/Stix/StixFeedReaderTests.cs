using System.Text;
using System.Text.Json;
using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Stix;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Stix;

public class StixFeedReaderTests
{
    static async Task<List<FeedEntry>> ReadFile(string path)
    {
        var list = new List<FeedEntry>();
        await foreach (var e in new StixFeedReader().ReadAsync(new FeedRequest(path, new Dictionary<string, string>()), LocalFeeds.Fetcher(path), CancellationToken.None))
            list.Add(e);
        return list;
    }

    static List<FeedEntry> ReadJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. StixObjectReader.Read(StixFeedReader.Objects(doc.RootElement.Clone()))];
    }

    static string Bundle(params string[] objects) => "{\"type\":\"bundle\",\"id\":\"bundle--1\",\"objects\":[" + string.Join(",", objects) + "]}";

    static string Indicator(string id, string pattern, string extra = "") =>
        $"{{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"{id}\",\"pattern\":{JsonSerializer.Serialize(pattern)},\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\"{extra}}}";

    [Fact]
    public async Task Every_shared_example_and_interop_file_is_read_or_refused_cleanly()
    {
        var dir = TestData.Shared("stix");
        var files = Directory.GetFiles(Path.Combine(dir, "examples"), "*.json", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(dir, "interop"), "*.json")).Order().ToList();
        int bundles = 0, refused = 0, indicators = 0, patterns = 0, errors = 0;
        foreach (var file in files)
        {
            List<FeedEntry> entries;
            try
            {
                entries = await ReadFile(file);
            }
            catch (FeedFormatException e)
            {
                // The interop folder holds the interop JSON schemas, not bundles: refused with a message, never a crash.
                Assert.Contains("not a STIX bundle", e.Message, StringComparison.Ordinal);
                refused++;
                continue;
            }
            bundles++;
            indicators += entries.Count(e => e.Indicator is not null);
            patterns += entries.Count(e => e.Indicator?.Type == "stix2-pattern");
            errors += entries.Count(e => e.Error is not null);
        }
        Assert.Equal(28, files.Count);
        Assert.Equal((8, 20), (bundles, refused));
        Assert.Equal(0, errors);
        // 43 STIX indicators: 39 state values (81 typed indicators, ORs split), 4 are kept whole as patterns.
        Assert.Equal((85, 4), (indicators, patterns));
    }

    [Fact]
    public async Task Apt1_indicators_carry_the_report_and_its_creator_as_context()
    {
        var entries = await ReadFile(TestData.Shared("stix", "examples", "threat-reports", "apt1.json"));
        var records = entries.Select(e => e.Indicator!).ToList();
        Assert.All(records, r => Assert.StartsWith("indicator--", r.SourceRef, StringComparison.Ordinal));
        var withReport = records.Where(r => r.Context?.Info is not null).ToList();
        Assert.NotEmpty(withReport);
        Assert.Contains(records, r => r.Type == "domain" && r.Value == "hugesoft.org");
        Assert.Contains(records, r => r.Type == "ip-dst" && r.Value == "112.64.0.0/15");
    }

    [Fact]
    public void Indicator_fields_become_record_fields()
    {
        var entries = ReadJson(Bundle(
            """{"type":"identity","id":"identity--a","name":"ACME CERT"}""",
            """{"type":"report","id":"report--r","name":"Operation X","published":"2024-02-03T00:00:00Z","labels":["threat-report"],"object_refs":["indicator--1"]}""",
            Indicator("indicator--1", "[url:value = 'http://evil.example/a' OR domain-name:value = 'evil.example']",
                ""","name":"Bad site","description":"phishing kit","labels":["phishing"],"indicator_types":["malicious-activity","phishing"],"confidence":85,"valid_until":"2024-06-01T00:00:00Z","created_by_ref":"identity--a","object_marking_refs":["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"]""")));
        Assert.Equal(2, entries.Count);
        var url = entries[0].Indicator!;
        Assert.Equal(("url", "http://evil.example/a"), (url.Type, url.Value));
        Assert.Equal(("domain", "evil.example"), (entries[1].Indicator!.Type, entries[1].Indicator!.Value));
        Assert.Equal("Bad site — phishing kit", url.Comment);
        Assert.Equal(["phishing", "malicious-activity"], url.Tags);
        Assert.Equal(85, url.Confidence);
        Assert.Equal(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero), url.FirstSeen);
        Assert.Equal(new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero), url.LastSeen);
        Assert.Equal("GREEN", url.Tlp);
        Assert.Equal("indicator--1", url.SourceRef);
        Assert.Equal("report--r", url.Context!.Uuid);
        Assert.Equal("Operation X", url.Context.Info);
        Assert.Equal(new DateTimeOffset(2024, 2, 3, 0, 0, 0, TimeSpan.Zero), url.Context.Date);
        Assert.Equal(["threat-report", "stix:created-by=\"ACME CERT\""], url.Context.Tags);
    }

    [Theory]
    [InlineData("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", "CLEAR")]
    [InlineData("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", "AMBER")]
    [InlineData("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", "RED")]
    [InlineData("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "CLEAR")]
    [InlineData("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "AMBER+STRICT")]
    [InlineData("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "RED")]
    [InlineData("marking-definition--local-tlp1", "AMBER")]
    [InlineData("marking-definition--local-tlp2", "AMBER+STRICT")]
    [InlineData("marking-definition--local-statement", null)]
    public void Tlp_comes_from_tlp_1_and_tlp_2_marking_definitions(string marking, string? tlp)
    {
        var entries = ReadJson(Bundle(
            """{"type":"marking-definition","id":"marking-definition--local-tlp1","definition_type":"tlp","definition":{"tlp":"amber"}}""",
            """{"type":"marking-definition","id":"marking-definition--local-tlp2","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}""",
            """{"type":"marking-definition","id":"marking-definition--local-statement","definition_type":"statement","definition":{"statement":"Copyright"}}""",
            Indicator("indicator--1", "[file:name = 'a.exe']", $",\"object_marking_refs\":[\"{marking}\"]")));
        Assert.Equal(tlp, Assert.Single(entries).Indicator!.Tlp);
    }

    [Fact]
    public void The_strictest_of_several_tlp_markings_holds()
    {
        var entries = ReadJson(Bundle(Indicator("indicator--1", "[file:name = 'a.exe']",
            ",\"object_marking_refs\":[\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\",\"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da\"]")));
        Assert.Equal("RED", Assert.Single(entries).Indicator!.Tlp);
    }

    [Fact]
    public void Patterns_that_are_not_value_lists_are_kept_whole()
    {
        const string pattern = "[file:name = 'a.exe'] FOLLOWEDBY [process:name = 'b'] WITHIN 60 SECONDS";
        var r = Assert.Single(ReadJson(Bundle(Indicator("indicator--1", pattern)))).Indicator!;
        Assert.Equal(("stix2-pattern", pattern), (r.Type, r.Value));
        Assert.NotNull(IndicatorNormalizer.Normalize(r.Type, r.Value, out _));
    }

    [Fact]
    public void A_bad_indicator_is_an_item_error_and_the_rest_is_read()
    {
        var entries = ReadJson(Bundle(
            Indicator("indicator--bad\\u0007", "[file:name = 'a.exe'"),
            """{"type":"indicator","id":"indicator--nopattern"}""",
            """{"type":"indicator","id":"indicator--pcre","pattern":"a+","pattern_type":"pcre"}""",
            "42",
            """{"type":"indicator","id":"indicator--yara","pattern":"rule x { condition: true }","pattern_type":"yara"}""",
            Indicator("indicator--good", "[ipv4-addr:value = '198.51.100.7']")));
        var errors = entries.Where(e => e.Error is not null).Select(e => e.Error!).ToList();
        Assert.Equal(4, errors.Count);
        Assert.Equal("indicator--bad\\u0007", errors[0].Where);
        Assert.Contains("offset 20", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("no pattern", errors[1].Message, StringComparison.Ordinal);
        Assert.Contains("pattern_type 'pcre'", errors[2].Message, StringComparison.Ordinal);
        Assert.Equal("objects[3]", errors[3].Where);
        Assert.Equal(["yara", "ip-dst"], entries.Where(e => e.Indicator is not null).Select(e => e.Indicator!.Type));
    }

    [Fact]
    public void One_stix_object_without_a_bundle_is_read_as_a_bundle_of_one()
    {
        var r = Assert.Single(ReadJson(Indicator("indicator--1", "[url:value = 'http://x.example/']"))).Indicator!;
        Assert.Equal("url", r.Type);
    }

    [Theory]
    [InlineData("""{"type":"bundle","id":"bundle--1","objects":[{"type":"indicator",""", "not valid JSON")]
    [InlineData("""[1,2]""", "not a STIX bundle")]
    [InlineData("""{"hello":"world"}""", "not a STIX bundle")]
    [InlineData("""{"type":"bundle","id":"bundle--1","objects":{}}""", "not a list")]
    [InlineData("not json", "not valid JSON")]
    public async Task A_document_that_is_not_a_bundle_fails_the_feed_with_a_clear_message(string content, string message)
    {
        var path = Path.Combine(Path.GetTempPath(), $"quell-stix-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, content, Encoding.UTF8);
        try
        {
            var e = await Assert.ThrowsAsync<FeedFormatException>(() => ReadFile(path));
            Assert.Contains(message, e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Absurd_nesting_fails_the_feed_instead_of_the_process()
    {
        var path = Path.Combine(Path.GetTempPath(), $"quell-stix-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(path, new string('[', 100_000) + new string(']', 100_000));
        try
        {
            var e = await Assert.ThrowsAsync<FeedFormatException>(() => ReadFile(path));
            Assert.Contains("not valid JSON", e.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
