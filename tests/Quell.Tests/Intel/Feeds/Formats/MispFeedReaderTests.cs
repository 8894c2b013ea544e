using System.Text.Json;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Feeds.Formats;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds.Formats;

public sealed class MispFeedReaderTests
{
    /// <summary>The attributes of an event file, read here without the reader: (uuid, type, value, deleted).</summary>
    static List<(string? Uuid, string Type, string Value, bool Deleted)> AttributesOf(JsonElement ev)
    {
        static bool Deleted(JsonElement a) => a.TryGetProperty("deleted", out var d) && (d.ValueKind == JsonValueKind.True || d.ToString() == "1");
        var all = new List<JsonElement>();
        if (ev.TryGetProperty("Attribute", out var attributes))
            all.AddRange(attributes.EnumerateArray());
        if (ev.TryGetProperty("Object", out var objects))
            all.AddRange(objects.EnumerateArray().SelectMany(o => o.GetProperty("Attribute").EnumerateArray()));
        return [.. all.Select(a => (a.TryGetProperty("uuid", out var u) ? u.GetString() : null, a.GetProperty("type").GetString()!, a.GetProperty("value").GetString()!, Deleted(a)))];
    }

    static readonly string[] RefusedValues =
    [
        "attribute 57163109-6304-413e-9884-4a42950d210f",
        "attribute 57163109-1e04-4ef4-bf92-480b950d210f",
    ];

    static HashSet<string> DescribedTypes()
    {
        using var describe = JsonDocument.Parse(File.ReadAllText(TestData.Shared("misp", "describeTypes.json")));
        return [.. describe.RootElement.GetProperty("result").GetProperty("types").EnumerateArray().Select(t => t.GetString()!)];
    }

    [Fact]
    public async Task The_shared_MISP_feed_yields_every_live_attribute_of_every_event_in_the_manifest()
    {
        var manifestPath = TestData.Shared("misp", "feed", "manifest.json");
        using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var expected = new List<(string? Uuid, string Type, string Value)>();
        foreach (var ev in manifest.RootElement.EnumerateObject())
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(TestData.Shared("misp", "feed", ev.Name + ".json")));
            expected.AddRange(AttributesOf(doc.RootElement.GetProperty("Event")).Where(a => !a.Deleted).Select(a => (a.Uuid, a.Type, a.Value)));
        }
        Assert.All(expected, a => Assert.Contains(a.Type, DescribedTypes()));

        var run = await FeedRun.ReadFileAsync(new MispFeedReader(), manifestPath);

        // 460 live attributes; 2 are values the normalizer refuses: "url" attributes that are relative paths
        // (Data/dtl.dat). Multi-line text, a YARA rule (CR LF; the store keeps LF) and a snort rule of 12,799 characters
        // are read as they are.
        Assert.Equal(460, expected.Count);
        Assert.Equal(458, run.Indicators.Count);
        Assert.Equal(RefusedValues.Order(), run.Errors.Select(e => e.Where[..(e.Where.IndexOf(' ', 10))]).Order());
        Assert.Equal(expected.Where(a => !RefusedValues.Contains("attribute " + a.Uuid)).Order(), run.Indicators.Select(i => (i.SourceRef, i.Type, i.Value)).Order());
        var yara = run.Indicators.Single(i => i.Type == "yara");
        Assert.StartsWith("rule kivars_service {\r\n\r\nmeta:", yara.Value, StringComparison.Ordinal);
        Assert.Equal(12_799, run.Indicators.Single(i => i.Type == "snort").Value.Length);
    }

    [Fact]
    public async Task Records_carry_category_to_ids_tags_and_the_event_context_with_galaxies()
    {
        var run = await FeedRun.ReadFileAsync(new MispFeedReader(), TestData.Shared("misp", "feed", "manifest.json"));

        var banker = run.Indicators.First(i => i.SourceRef == "5b6464ca-e73c-4707-9b8a-d0350acd0835");
        Assert.Equal(("domain", "ooiasjdnqjwbeasdasd.com", "Network activity", true, "Ursnif"), (banker.Type, banker.Value, banker.Category, banker.ToIds, banker.Comment));
        Assert.Equal("5b646415-7b48-40d5-86b4-c0070acd0835", banker.Context!.Uuid);
        Assert.Contains("misp-galaxy:banker=\"Gozi\"", banker.Context.Galaxies);

        var xorist = run.Indicators.Where(i => i.Context?.Uuid == "57c4445b-c548-4654-af0b-4be3950d210f").ToList();
        Assert.Equal(9, xorist.Count); // with the multi-line text attribute
        Assert.All(xorist, i => Assert.Equal("Ransomware - Xorist", i.Context!.Info));
        Assert.All(xorist, i => Assert.Equal(new DateTimeOffset(2016, 8, 29, 0, 0, 0, TimeSpan.Zero), i.Context!.Date));
        Assert.All(xorist, i => Assert.Contains("tlp:white", i.Tags));
        Assert.All(xorist, i => Assert.Contains("ms-caro-malware:malware-type=\"Ransom\"", i.Context!.Tags));
    }

    [Fact]
    public async Task A_feed_directory_path_or_file_url_finds_its_manifest()
    {
        var dir = Path.GetDirectoryName(TestData.Shared("misp", "feed", "manifest.json"))!;
        foreach (var url in new[] { dir, dir + "/", new Uri(dir + "/").AbsoluteUri })
        {
            var run = await FeedRun.ReadAsync(new MispFeedReader(), new FeedRequest(url, new Dictionary<string, string>()), LocalFeeds.Fetcher(url));
            Assert.Equal(458, run.Indicators.Count);
        }
    }

    [Fact]
    public async Task Since_skips_events_whose_manifest_timestamp_is_not_newer()
    {
        var manifestPath = TestData.Shared("misp", "feed", "manifest.json");
        using var manifest = JsonDocument.Parse(File.ReadAllText(manifestPath));
        var since = DateTimeOffset.FromUnixTimeSeconds(1500000000);
        var newer = manifest.RootElement.EnumerateObject()
            .Where(e => long.Parse(e.Value.GetProperty("timestamp").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > since.ToUnixTimeSeconds())
            .Select(e => e.Name).ToHashSet();
        Assert.NotEmpty(newer);
        Assert.True(newer.Count < manifest.RootElement.EnumerateObject().Count());

        var run = await FeedRun.ReadAsync(new MispFeedReader(), new FeedRequest(manifestPath, new Dictionary<string, string>(), since), LocalFeeds.Fetcher(manifestPath));

        Assert.NotEmpty(run.Indicators);
        Assert.All(run.Indicators, i => Assert.Contains(i.Context!.Uuid!, newer));
    }

    [Theory]
    [InlineData("57c4445b-c548-4654-af0b-4be3950d210f.json")]
    [InlineData("long_event.json")]
    [InlineData("mainly_objects_1.json")]
    [InlineData("misp_event.json")]
    [InlineData("malware_exist.json")]
    [InlineData("event_obj_attr_tag.json")]
    [InlineData("sighting_1.json")]
    [InlineData("new_misp_event.json")]
    public async Task A_single_event_file_yields_its_live_attributes(string name)
    {
        var path = TestData.Shared("misp", "events", name);
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement;
        var events = root.TryGetProperty("Event", out var ev) ? [ev]
            : root.TryGetProperty("response", out var response) ? response.EnumerateArray().ToList()
            : new List<JsonElement> { root };
        var expected = events.SelectMany(AttributesOf).Where(a => !a.Deleted).Select(a => (a.Type, a.Value)).Order().ToList();

        var run = await FeedRun.ReadFileAsync(new MispFeedReader(), path);

        Assert.All(run.Errors, e => Assert.Contains(e.Where[..(e.Where.IndexOf(' ', 10))], RefusedValues));
        Assert.Equal(expected.Count, run.Indicators.Count + run.Errors.Count);
        Assert.All(run.Indicators, i => Assert.Contains((i.Type, i.Value), expected));
    }

    [Fact]
    public async Task A_file_that_is_no_MISP_event_is_a_feed_error()
    {
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new MispFeedReader(), TestData.Shared("misp", "events", "sighting.json")));
        Assert.Contains("neither a MISP feed manifest nor a MISP event", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Broken_events_unknown_types_bad_values_and_hostile_names_are_item_errors_and_the_rest_is_read()
    {
        var dir = Directory.CreateTempSubdirectory("quell-misp-");
        try
        {
            const string good = "11111111-1111-4111-8111-111111111111";
            const string truncated = "22222222-2222-4222-8222-222222222222";
            const string missing = "33333333-3333-4333-8333-333333333333";
            File.WriteAllText(Path.Combine(dir.FullName, "manifest.json"), $$$"""
                {"{{{good}}}": {"timestamp": "1700000000", "info": "good"},
                 "{{{truncated}}}": {"timestamp": "1700000000"},
                 "{{{missing}}}": {"timestamp": "1700000000"},
                 "../../etc/passwd": {"timestamp": "1700000000"}}
                """);
            File.WriteAllText(Path.Combine(dir.FullName, good + ".json"), $$$"""
                {"Event": {"uuid": "{{{good}}}", "info": "good", "date": "2024-01-02", "Tag": [{"name": "tlp:green"}],
                  "Attribute": [
                    {"uuid": "a1", "type": "ip-dst", "value": "198.51.100.1", "to_ids": "1", "category": "Network activity", "first_seen": "2024-01-01T00:00:00.000000+00:00", "Tag": [{"name": "kill-chain:c2"}]},
                    {"uuid": "a2", "type": "ip-dst", "value": "198.51.100.2", "deleted": true},
                    {"uuid": "a3", "type": "no-such-type", "value": "x"},
                    {"uuid": "a4", "type": "sha256", "value": "abc"},
                    {"uuid": "a5", "type": "domain", "value": "evil\u0000.example"}],
                  "Object": [{"name": "file", "Attribute": [{"uuid": "o1", "type": "filename", "value": "invoice.pdf.exe", "to_ids": false}]}]}}
                """);
            File.WriteAllText(Path.Combine(dir.FullName, truncated + ".json"), """{"Event": {"Attribute": [{"type": "ip-dst", "val""");

            var run = await FeedRun.ReadFileAsync(new MispFeedReader(), Path.Combine(dir.FullName, "manifest.json"));

            Assert.Equal([("a1", "198.51.100.1"), ("o1", "invoice.pdf.exe")], run.Indicators.Select(i => (i.SourceRef, i.Value)));
            var a1 = run.Indicators[0];
            Assert.Equal((true, "Network activity", new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero)), (a1.ToIds, a1.Category, a1.FirstSeen));
            Assert.Equal(["tlp:green", "kill-chain:c2"], a1.Tags);
            Assert.False(run.Indicators[1].ToIds);
            Assert.Equal(6, run.Errors.Count);
            Assert.Contains(run.Errors, e => e.Where == "manifest entry '../../etc/passwd'" && e.Message.Contains("uuid", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.Where.StartsWith("attribute a3", StringComparison.Ordinal) && e.Message.Contains("'no-such-type' is not a MISP attribute type", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.Where.StartsWith("attribute a4", StringComparison.Ordinal) && e.Message.Contains("64 hexadecimal", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.Where.StartsWith("attribute a5", StringComparison.Ordinal) && e.Message.Contains(@"\u0000", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.Where == "event " + truncated && e.Message.Contains("not valid JSON", StringComparison.Ordinal));
            Assert.Contains(run.Errors, e => e.Where == "event " + missing && e.Message.Contains("cannot read", StringComparison.Ordinal));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_truncated_manifest_is_a_feed_error_naming_where_it_broke()
    {
        using var file = new FeedRun.TempFile("""{"57c4445b-c548-4654-af0b-4be3950d210f": {"info": "x", "timesta""", "-manifest.json");
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new MispFeedReader(), file.Path));
        Assert.Contains("is not valid JSON at line 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Nesting_deeper_than_the_limit_is_a_feed_error()
    {
        using var file = new FeedRun.TempFile("{\"Event\": " + new string('[', 10_000) + new string(']', 10_000) + "}", ".json");
        var e = await Assert.ThrowsAsync<FeedFormatException>(() => FeedRun.ReadFileAsync(new MispFeedReader(), file.Path));
        Assert.Contains("depth", e.Message, StringComparison.Ordinal);
    }
}
