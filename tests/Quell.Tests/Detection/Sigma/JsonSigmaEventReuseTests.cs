using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using static Quell.Tests.Detection.NormalizedSigmaEventTests;

namespace Quell.Tests.Detection.Sigma;

/// <summary>
/// A view reused for many events keeps names, paths and repeated values from earlier events (JsonPathNames); it must
/// show every event exactly as a fresh view does, whatever came before.
/// </summary>
public sealed class JsonSigmaEventReuseTests
{
    static readonly string[] Tricky =
    [
        """{"Event": {"System": {"Provider": {"#attributes": {"Name": "A"}}, "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"Image": "C:\\a.exe", "CommandLine": "a"}}}""",
        """{"Event": {"System": {"Provider": {"#attributes": {"Name": "A"}}, "EventID": "1", "Channel": "Microsoft-Windows-Sysmon/Operational"}, "EventData": {"Image": 5, "CommandLine": "a"}}}""",
        """{"Event": {"System": {"EventID": 1, "Channel": "Security"}, "EventData": {"CommandLine": "b", "Image": "C:\\b.exe", "image": "twin"}}}""",
        """{"Event": {"System": {"EventID": 1}, "EventData": {"Image": "first", "Image": "second"}}, "Event": {"EventData": {"Image": "other"}}}""",
        """{"Event": {"EventData": {"\u0049mage": "escaped name", "Comm\u0061ndLine": "x"}}, "Image": "top"}""",
        """{"Image": "top first", "Event": {"EventData": {"Image": "short"}}}""",
        """{"Event": {"EventData": {"Data": [{"#attributes": {"Name": "Image"}, "#text": "from data"}, {"#attributes": {"Name": "X"}}]}}}""",
        """{"Event": {"System": {"Channel": {"#text": "Security"}, "EventID": 4688}, "UserData": {"Log": {"Image": "user data", "n": [1, [2, "x"]]}}}}""",
        """{"winlog": {"event_data": {"Image": "wl", "a.b": "dotted"}, "channel": "Security"}, "event": {"code": 4688}}""",
        """{"Event": {"EventData": {"Image": "a\u0000b", "CommandLine": null, "T": true, "F": false, "D": 1.50}}}""",
    ];

    static IEnumerable<string> Wide()
    {
        // More keys in one object than a node caches, then events that use them again.
        var b = new StringBuilder("{\"Event\": {\"EventData\": {");
        for (var i = 0; i < JsonPathNames.MaxChildren + 40; i++)
            b.Append(i == 0 ? "" : ", ").Append($"\"k{i}\": \"v{i % 7}\"");
        yield return b.Append("}}}").ToString();
        yield return """{"Event": {"EventData": {"k200": "late", "k1": "v1", "Image": "after wide"}}}""";
        yield return """{"Event": {"EventData": {"Image": "a long value that repeats """ + new string('x', 300) + "\"}}}";
        yield return """{"Event": {"EventData": {"Image": "a long value that repeats """ + new string('x', 300) + "\"}}}";
    }

    static IEnumerable<string> Names(JsonElement e, string prefix)
    {
        if (e.ValueKind != JsonValueKind.Object)
            yield break;
        foreach (var p in e.EnumerateObject())
        {
            yield return p.Name;
            var path = prefix.Length == 0 ? p.Name : $"{prefix}.{p.Name}";
            yield return path;
            foreach (var n in Names(p.Value, path))
                yield return n;
        }
    }

    [Fact]
    public void A_reused_view_reads_every_event_as_a_fresh_one_does()
    {
        var events = new List<string>(Tricky);
        events.AddRange(Wide());
        foreach (var c in RegressionConformanceTests.Cases())
            events.AddRange(SigmaEventReader.ReadAll(File.ReadAllBytes(c.EventsFile)).Select(e => e.GetRawText()));
        var shuffle = new Random(42);
        // Twice in order (shapes repeat), then shuffled (every shape after every other).
        var order = events.Concat(events).Concat(events.OrderBy(_ => shuffle.Next())).ToList();
        var reused = new JsonSigmaEvent(default);
        var fields = new[] { "Image", "CommandLine", "Provider_Name", "EventID", "Channel", "Computer", "process.command_line", "missing" };
        foreach (var json in order)
        {
            using var doc = JsonDocument.Parse(json);
            reused.Read(doc.RootElement);
            var fresh = new JsonSigmaEvent(doc.RootElement);
            Assert.Equal(fresh.Logsource.Key, reused.Logsource.Key);
            Assert.Equal(Describe(fresh.AllValues), Describe(reused.AllValues));
            foreach (var name in fields.Concat(Names(doc.RootElement, "")).Distinct())
            {
                Assert.Equal(fresh.TryGetValue(name, out var a), reused.TryGetValue(name, out var b));
                Assert.True(Describe([a]) == Describe([b]), $"{name} in {json[..Math.Min(json.Length, 200)]}");
            }
        }
    }
}
