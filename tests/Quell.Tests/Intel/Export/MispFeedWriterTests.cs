using System.Text;
using System.Text.Json;
using Quell.Intel.Export;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Export;

public class MispFeedWriterTests
{
    static readonly Guid EventUuid = new("5758ebf5-c898-48e6-9fe9-5665c0a83866");

    static ExportEvent Event(IReadOnlyList<ExportIndicator> indicators) => new()
    {
        Uuid = EventUuid,
        Info = "Quell export",
        Date = new DateOnly(2026, 11, 28),
        Tags = ["tlp:amber", "type:OSINT"],
        Indicators = indicators,
    };

    static HashSet<string> Keys(JsonElement o) => [.. o.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void Event_json_gives_back_every_indicator_with_its_fields()
    {
        using var ms = new MemoryStream();
        MispEventWriter.Write(ms, Event(ExportSamples.All), ExportSamples.Now);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var e = doc.RootElement.GetProperty("Event");
        Assert.Equal(EventUuid.ToString(), e.GetProperty("uuid").GetString());
        Assert.Equal("2026-11-28", e.GetProperty("date").GetString());
        Assert.Equal(["tlp:amber", "type:OSINT"], e.GetProperty("Tag").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        var attributes = e.TryGetProperty("Attribute", out var top) ? top.EnumerateArray().ToList() : [];
        Assert.Equal(ExportSamples.All.Count, attributes.Count);
        for (var n = 0; n < attributes.Count; n++)
        {
            var (x, a) = (ExportSamples.All[n], attributes[n]);
            Assert.Equal(x.Type, a.GetProperty("type").GetString());
            Assert.Equal(x.Value, a.GetProperty("value").GetString());
            Assert.Equal(x.Uuid.ToString(), a.GetProperty("uuid").GetString());
            Assert.Equal(x.CategoryOrDefault, a.GetProperty("category").GetString());
            Assert.Equal(x.ToIds, a.GetProperty("to_ids").GetBoolean());
            Assert.Equal(x.Comment ?? "", a.GetProperty("comment").GetString());
            Assert.Equal(MispEventWriter.TagsOf(x), a.TryGetProperty("Tag", out var tags) ? tags.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToList() : []);
            Assert.Equal(x.FirstSeen, a.TryGetProperty("first_seen", out var fs) ? DateTimeOffset.Parse(fs.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : null);
        }
        // TLP becomes MISP's tlp taxonomy tag unless a tlp: tag is there already.
        Assert.Equal(["tlp:green", "malware:emotet"], MispEventWriter.TagsOf(ExportSamples.All[0]));
        Assert.Equal(["tlp:red"], MispEventWriter.TagsOf(ExportSamples.All[1]));
        Assert.Equal(["tlp:amber+strict"], MispEventWriter.TagsOf(ExportSamples.All[2]));
    }

    [Fact]
    public void The_feed_directory_has_the_shape_of_a_real_misp_feed()
    {
        var files = MispFeedWriter.Write([Event(ExportSamples.All)], ExportSamples.Now).ToDictionary(f => f.Name, f => f.Content);
        Assert.Equal(["manifest.json", EventUuid + ".json", "hashes.csv"], files.Keys);

        using var sharedManifest = JsonDocument.Parse(File.ReadAllBytes(TestData.Shared("misp", "feed", "manifest.json")));
        using var ourManifest = JsonDocument.Parse(files["manifest.json"]);
        var entry = ourManifest.RootElement.GetProperty(EventUuid.ToString());
        var sharedEntryKeys = sharedManifest.RootElement.EnumerateObject().SelectMany(p => Keys(p.Value)).ToHashSet();
        Assert.Equal(sharedEntryKeys, Keys(entry));
        Assert.Equal(Keys(sharedManifest.RootElement.EnumerateObject().First().Value.GetProperty("Orgc")), Keys(entry.GetProperty("Orgc")));

        using var sharedEvent = JsonDocument.Parse(File.ReadAllBytes(TestData.Shared("misp", "feed", "57153590-f73c-49fa-be4b-4737950d210f.json")));
        using var ourEvent = JsonDocument.Parse(files[EventUuid + ".json"]);
        var theirs = sharedEvent.RootElement.GetProperty("Event");
        var ours = ourEvent.RootElement.GetProperty("Event");
        Assert.Subset(Keys(theirs), Keys(ours));
        // first_seen/last_seen (MISP 2.4.120+) and attribute tags are MISP fields the 2016 sample events predate.
        var attributeKeys = Keys(theirs.GetProperty("Attribute")[0]).Union(["first_seen", "last_seen", "Tag"]).ToHashSet();
        foreach (var a in ours.GetProperty("Attribute").EnumerateArray())
            Assert.Subset(attributeKeys, Keys(a));
        // MISP writes these as strings; readers that follow MISP expect strings.
        foreach (var name in new[] { "timestamp", "analysis", "threat_level_id", "publish_timestamp" })
            Assert.Equal(JsonValueKind.String, ours.GetProperty(name).ValueKind);
    }

    [Fact]
    public void Hashes_csv_follows_misp_exactly_on_the_shared_feed()
    {
        // Re-export the shared feed's own events and compare hashes.csv with the one MISP wrote for them.
        var dir = TestData.Shared("misp", "feed");
        var events = new List<ExportEvent>();
        foreach (var file in Directory.GetFiles(dir, "*-*.json"))
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
            var e = doc.RootElement.GetProperty("Event");
            var attributes = e.TryGetProperty("Attribute", out var top) ? top.EnumerateArray().ToList() : [];
            if (e.TryGetProperty("Object", out var objects))
                attributes.AddRange(objects.EnumerateArray().SelectMany(o => o.TryGetProperty("Attribute", out var oa) ? oa.EnumerateArray() : default(JsonElement.ArrayEnumerator)));
            events.Add(new ExportEvent
            {
                Uuid = Guid.Parse(e.GetProperty("uuid").GetString()!),
                Info = e.TryGetProperty("info", out var info) ? info.GetString()! : "",
                Date = e.TryGetProperty("date", out var date) ? DateOnly.Parse(date.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : default,
                Indicators = [.. attributes.Select(a => new ExportIndicator { Type = a.GetProperty("type").GetString()!, Value = a.GetProperty("value").GetString()! })],
            });
        }
        var ours = Encoding.UTF8.GetString(MispFeedWriter.Write(events, ExportSamples.Now).Single(f => f.Name == "hashes.csv").Content);
        var theirs = File.ReadAllLines(Path.Combine(dir, "hashes.csv")).Where(l => l.Length > 0).ToHashSet();
        Assert.Equal(theirs, ours.Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet());
        Assert.Equal(468, theirs.Count);
    }

    [Fact]
    public async Task The_feed_is_written_into_a_directory()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"quell-misp-{Guid.NewGuid():N}");
        try
        {
            await MispFeedWriter.WriteToDirectoryAsync(dir, [Event(ExportSamples.All)], ExportSamples.Now, CancellationToken.None);
            Assert.Equal([EventUuid + ".json", "hashes.csv", "manifest.json"], Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
