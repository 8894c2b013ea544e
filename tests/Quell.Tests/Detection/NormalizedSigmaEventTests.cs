using System.Text;
using System.Text.Json;
using Quell.Detection;
using Quell.Detection.Sigma;
using Quell.Events;
using Quell.Tests.Detection.Sigma;
using Quell.Tests.Support;

namespace Quell.Tests.Detection;

/// <summary>
/// Detection at ingest reads normalized events through <see cref="NormalizedSigmaEvent"/> instead of serializing them
/// and parsing them back into a <see cref="JsonSigmaEvent"/>; both must show the engine the same event.
/// </summary>
public sealed class NormalizedSigmaEventTests
{
    static JsonSigmaEvent RoundTripped(IncomingEvent e) => new(JsonDocument.Parse(EventJson.Serialize(e.Fields)).RootElement);

    static void AssertSame(IncomingEvent e)
    {
        var direct = new NormalizedSigmaEvent(e.Fields);
        var json = RoundTripped(e);
        Assert.Equal(json.Logsource.Key, direct.Logsource.Key);
        Assert.Equal(Describe(json.AllValues), Describe(direct.AllValues));
        foreach (var name in e.Fields.Keys.Concat(["image", "COMMANDLINE", "process.command_line", "Provider_Name", "missing.field"]))
        {
            Assert.Equal(json.TryGetValue(name, out var a), direct.TryGetValue(name, out var b));
            Assert.Equal(Describe([a]), Describe([b]));
        }
    }

    internal static string Describe(IEnumerable<SigmaValue> values)
    {
        var b = new StringBuilder();
        foreach (var v in values)
        {
            b.Append(v.Kind).Append(':').Append(v.Text);
            if (v.Items is not null)
                b.Append('[').Append(Describe(v.Items)).Append(']');
            b.Append('|');
        }
        return b.ToString();
    }

    [Fact]
    public void Regression_events_read_the_same_as_their_stored_json()
    {
        var checkedEvents = 0;
        foreach (var c in RegressionConformanceTests.Cases())
            foreach (var element in SigmaEventReader.ReadAll(File.ReadAllBytes(c.EventsFile)))
            {
                AssertSame(EventNormalizer.Normalize(element, element.GetRawText()));
                checkedEvents++;
            }
        Assert.True(checkedEvents >= 100, $"only {checkedEvents} events checked");
    }

    [Fact]
    public void Numbers_lists_nulls_case_twins_and_nul_characters_read_the_same()
    {
        var doc = JsonDocument.Parse("""
            {"n": 42, "big": 12345678901234, "d": 1.5, "tiny": 1e-7, "huge": 1e300, "t": true, "f": false, "z": null,
             "list": ["a", 1, {"x": 1}, [2]], "Image": "C:\\a.exe", "image": "other", "nul": "a\u0000b", "k\u0000": "v"}
            """);
        AssertSame(EventNormalizer.Normalize(doc.RootElement, doc.RootElement.GetRawText()));
    }

    [Fact]
    public void The_same_rules_match_as_through_the_stored_json()
    {
        var rules = SigmaRuleLoader.LoadDirectory(TestData.Shared("sigma", "rules", "windows", "process_creation")).Rules;
        var matcher = new SigmaEngine(rules).CreateMatcher();
        var total = 0;
        foreach (var c in RegressionConformanceTests.Cases().Where(c => c.Directory.Contains("process_creation", StringComparison.Ordinal)).Take(60))
            foreach (var element in SigmaEventReader.ReadAll(File.ReadAllBytes(c.EventsFile)))
            {
                var e = EventNormalizer.Normalize(element, element.GetRawText());
                List<SigmaRule> direct = [], json = [];
                matcher.Match(new NormalizedSigmaEvent(e.Fields), direct);
                matcher.Match(RoundTripped(e), json);
                Assert.Equal(json.Select(r => r.Id), direct.Select(r => r.Id));
                total += direct.Count;
            }
        Assert.True(total > 0, "no rule matched: the comparison would prove nothing");
    }
}
