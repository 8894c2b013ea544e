using System.Text.Json;
using Quell.Intel;
using Quell.Intel.Export;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Stix;
using Quell.Tests.Intel.Export;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Stix;

public class StixBundleWriterTests
{
    static (byte[] Bytes, IReadOnlyList<ExportSkip> Skipped) Write(IEnumerable<ExportIndicator> indicators)
    {
        using var ms = new MemoryStream();
        var skipped = StixBundleWriter.Write(ms, indicators, ExportSamples.Now);
        return (ms.ToArray(), skipped);
    }

    static async Task<List<FeedEntry>> ReadBack(byte[] bundle)
    {
        var path = Path.Combine(Path.GetTempPath(), $"quell-stix-{Guid.NewGuid():N}.json");
        await File.WriteAllBytesAsync(path, bundle);
        try
        {
            var list = new List<FeedEntry>();
            await foreach (var e in new StixFeedReader().ReadAsync(new FeedRequest(path, new Dictionary<string, string>()), LocalFeeds.Fetcher(path), CancellationToken.None))
                list.Add(e);
            return list;
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Types STIX has one object for: read back as the type Quell reads that object as.</summary>
    static string ReadAs(string type) => type switch { "hostname" => "domain", "link" => "url", _ => type };

    static string Norm(string type, string value) => IndicatorNormalizer.Normalize(type, value, out var e) ?? throw new InvalidOperationException(e);

    [Fact]
    public async Task Writer_then_reader_gives_back_the_same_indicators()
    {
        var (bytes, skipped) = Write(ExportSamples.All);
        Assert.Equal([("text", "just a note")], skipped.Select(s => (s.Type, s.Value)));
        var read = await ReadBack(bytes);
        Assert.All(read, e => Assert.Null(e.Error));
        var records = read.Select(e => e.Indicator!).ToList();
        var expected = ExportSamples.All.Where(i => i.Type != "text").ToList();
        Assert.Equal(expected.Count, records.Count);
        for (var n = 0; n < expected.Count; n++)
        {
            var (x, r) = (expected[n], records[n]);
            Assert.Equal(ReadAs(x.Type), r.Type);
            Assert.Equal(Norm(x.Type, x.Value), Norm(r.Type, r.Value));
            Assert.Equal(x.Tags, r.Tags.Where(t => t != "malicious-activity"));
            Assert.Equal(x.Tlp is { } t ? Quell.Observables.TlpNames.Name(t) : null, r.Tlp);
            Assert.Equal(x.Comment, r.Comment?.Split(" — ", 2) is [_, var description] ? description : null);
            Assert.Equal(x.FirstSeen ?? ExportSamples.Now, r.FirstSeen);
            Assert.Equal(x.LastSeen, r.LastSeen);
            Assert.Equal(x.Score is { } s ? (int)Math.Round(s) : null, r.Confidence);
            Assert.Equal("indicator--" + x.Uuid, r.SourceRef);
            Assert.Equal("Quell", r.Context!.Info);
        }
    }

    [Fact]
    public void Every_written_stix_pattern_parses_and_maps_back_to_its_value()
    {
        var (bytes, _) = Write(ExportSamples.All);
        using var doc = JsonDocument.Parse(bytes);
        var indicators = doc.RootElement.GetProperty("objects").EnumerateArray().Where(o => o.GetProperty("type").GetString() == "indicator").ToList();
        Assert.Equal(24, indicators.Count);
        foreach (var o in indicators.Where(o => o.GetProperty("pattern_type").GetString() == "stix"))
        {
            var pattern = o.GetProperty("pattern").GetString()!;
            var ast = PatternParser.Parse(pattern);
            Assert.Equal("2.1", o.GetProperty("pattern_version").GetString());
            if (o.GetProperty("name").GetString() != "[process:name = 'evil.exe'] WITHIN 60 SECONDS")
                Assert.NotNull(PatternMapper.Map(ast));
        }
    }

    [Fact]
    public void Quotes_and_backslashes_in_values_are_escaped_in_patterns()
    {
        var (bytes, _) = Write([new ExportIndicator { Type = "email-subject", Value = @"It's \ done" }]);
        using var doc = JsonDocument.Parse(bytes);
        var pattern = doc.RootElement.GetProperty("objects").EnumerateArray().Last().GetProperty("pattern").GetString();
        Assert.Equal(@"[email-message:subject = 'It\'s \\ done']", pattern);
    }

    [Fact]
    public void Objects_have_the_required_stix_properties_and_tlp_2_marking_definitions()
    {
        var (bytes, _) = Write(ExportSamples.All);
        using var doc = JsonDocument.Parse(bytes);
        var root = doc.RootElement;
        Assert.Equal("bundle", root.GetProperty("type").GetString());
        Assert.StartsWith("bundle--", root.GetProperty("id").GetString(), StringComparison.Ordinal);
        var objects = root.GetProperty("objects").EnumerateArray().ToList();
        var markings = objects.Where(o => o.GetProperty("type").GetString() == "marking-definition").ToList();
        Assert.Equal(
            ["TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"],
            markings.Select(m => m.GetProperty("name").GetString()));
        foreach (var m in markings)
            Assert.Equal(StixTlp.FromDefinition(m) is { } t ? StixTlp.Tlp2Ids[t] : null, m.GetProperty("id").GetString());
        foreach (var o in objects.Where(o => o.GetProperty("type").GetString() == "indicator"))
        {
            foreach (var required in new[] { "spec_version", "id", "created", "modified", "pattern", "pattern_type", "valid_from" })
                Assert.True(o.TryGetProperty(required, out _), required);
            Assert.Matches("^indicator--[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", o.GetProperty("id").GetString());
            if (o.TryGetProperty("valid_until", out var until))
                Assert.True(until.GetDateTimeOffset() > o.GetProperty("valid_from").GetDateTimeOffset());
        }
    }

    [Fact]
    public void Re_exports_are_byte_identical()
    {
        Assert.Equal(Write(ExportSamples.All).Bytes, Write(ExportSamples.All).Bytes);
    }

    [Fact]
    public void An_invalid_stix2_pattern_is_skipped_with_the_parser_message()
    {
        var (_, skipped) = Write([new ExportIndicator { Type = "stix2-pattern", Value = "[file:name = 'a'" }]);
        Assert.Contains("offset 16", Assert.Single(skipped).Reason, StringComparison.Ordinal);
    }
}
