using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Quell.Events;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

/// <summary>
/// HecRequest.ParseEvents reads records with a Utf8JsonReader (decision 218); these tests hold it to the path it
/// replaced, a JsonDocument per record normalized from JsonElements (kept below as it was), on varied bodies: the
/// same events (fields, their order, values and value types, times, raw bytes) or the same reply.
/// </summary>
public sealed class HecParseEquivalenceTests
{
    /// <summary>The previous ParseEvents, unchanged apart from its name.</summary>
    static (List<IncomingEvent>? Events, HecReply? Error) ParseWithDocuments(ReadOnlySpan<byte> body, int maxEvents)
    {
        var events = new List<IncomingEvent>();
        var raw = new Utf8Slab();
        HecReply? error = null;
        JsonStream.ForEach(body, (in JsonRecord r) =>
        {
            var index = r.Number - 1;
            if (r.Document is null || r.Document.RootElement.ValueKind != JsonValueKind.Object || index >= maxEvents)
            {
                error = index >= maxEvents ? new HecReply(400, 6, $"Invalid data format: more than {maxEvents} events in one request", index) : HecReply.InvalidFormat(index);
                return false;
            }
            var root = r.Document.RootElement;
            if (!root.TryGetProperty("event", out var ev))
            {
                error = new HecReply(400, 12, "Event field is required", index);
                return false;
            }
            if (ev.ValueKind == JsonValueKind.Null || (ev.ValueKind == JsonValueKind.String && ev.GetString()!.Length == 0) ||
                (ev.ValueKind == JsonValueKind.Object && !ev.EnumerateObject().Any()))
            {
                error = new HecReply(400, 13, "Event field cannot be blank", index);
                return false;
            }
            var extra = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var name in (string[])["host", "source", "sourcetype", "index"])
                if (root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String)
                    extra["hec." + name] = v.GetString();
            if (extra.TryGetValue("hec.host", out var host))
                extra["host.name"] = host;
            if (root.TryGetProperty("fields", out var fields))
            {
                if (fields.ValueKind != JsonValueKind.Object)
                {
                    error = new HecReply(400, 15, "Error in handling indexed fields", index);
                    return false;
                }
                foreach (var f in fields.EnumerateObject())
                    extra[f.Name] = f.Value.ValueKind switch
                    {
                        JsonValueKind.String => f.Value.GetString(),
                        JsonValueKind.Number => f.Value.TryGetInt64(out var l) ? (object)l : f.Value.GetDouble(),
                        JsonValueKind.Array => f.Value.EnumerateArray().Select(x => (object?)(x.ValueKind == JsonValueKind.String ? x.GetString() : x.GetRawText())).ToList(),
                        _ => f.Value.GetRawText(),
                    };
            }
            var e = ev.ValueKind == JsonValueKind.Object
                ? EventNormalizer.Normalize(ev, raw.Copy(JsonMarshal.GetRawUtf8Value(ev)), extra)
                : EventNormalizer.FromText(ev.ValueKind == JsonValueKind.String ? ev.GetString()! : ev.GetRawText(), extra);
            if (root.TryGetProperty("time", out var time))
            {
                object? t = time.ValueKind switch
                {
                    JsonValueKind.Number => time.GetDouble(),
                    JsonValueKind.String => time.GetString(),
                    _ => null,
                };
                if (EventNormalizer.ParseTime(t) is not { } at)
                {
                    error = HecReply.InvalidFormat(index);
                    return false;
                }
                e = e with { Timestamp = at };
            }
            events.Add(e);
            return true;
        });
        if (error is not null)
            return (null, error);
        return events.Count == 0 ? (null, HecReply.NoData) : (events, null);
    }

    static void AssertSame(byte[] body, int maxEvents = 1000)
    {
        var context = Encoding.UTF8.GetString(body);
        var (expected, expectedError) = ParseWithDocuments(body, maxEvents);
        var (actual, actualError) = HecRequest.ParseEvents(body, maxEvents);
        Assert.True(expectedError == actualError, $"{context}\nexpected {expectedError}, got {actualError}");
        Assert.Equal(expected?.Count, actual?.Count);
        for (var i = 0; i < (expected?.Count ?? 0); i++)
        {
            var (want, got) = (expected![i], actual![i]);
            Assert.True(want.Timestamp == got.Timestamp, $"{context}\nevent {i}: time {want.Timestamp} != {got.Timestamp}");
            Assert.Equal(want.Raw, got.Raw);
            Assert.Equal(want.RawUtf8.HasValue, got.RawUtf8.HasValue);
            Assert.Equal(Describe(want.Fields), Describe(got.Fields));
        }
    }

    static void AssertSame(string body, int maxEvents = 1000) => AssertSame(Encoding.UTF8.GetBytes(body), maxEvents);

    /// <summary>Every field in order, with each value's type, lists item by item.</summary>
    static string Describe(IReadOnlyDictionary<string, object?> fields) =>
        string.Join("\n", fields.Select(f => $"{f.Key} = {Describe(f.Value)}"));

    static string Describe(object? v) => v switch
    {
        null => "null",
        IReadOnlyList<object?> list => "[" + string.Join(", ", list.Select(Describe)) + "]",
        double d => "double " + d.ToString("R", CultureInfo.InvariantCulture),
        _ => $"{v.GetType().Name} {Convert.ToString(v, CultureInfo.InvariantCulture)}",
    };

    public static TheoryData<string> Bodies() => new(
        // The bench's two kinds of events.
        """{"host": "bench", "sourcetype": "_json", "event": {"EventID": 1, "Computer": "WS-000", "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd.exe /c whoami /all 0", "User": "CORP\\user0", "ParentImage": "C:\\Windows\\explorer.exe", "Hashes": "SHA256=1E2FEB89414c343c1027c4d1c386bbc4cd613e30d8f16adf91b7584a2265b1f5", "UtcTime": "2026-11-28 10:00:00.000"}}""",
        """{"host": "bench", "sourcetype": "_json", "event": {"@timestamp": "2026-11-28T10:00:01.001Z", "event": {"action": "deny", "category": "network"}, "source": {"ip": "10.1.1.1", "port": 40001}, "destination": {"ip": "203.0.113.1", "port": 443, "domain": "Host1.Example.com."}, "user": {"name": "user1"}, "message": "fw deny tcp connection 1"}}""",
        // Nested objects, arrays of every kind, escapes in names and values, numbers of every size, null and bools.
        """{"event": {"a": {"b": {"c": 1, "d": [1, "x", null, true, {"k": [1, 2]}, [3, {"z": 1}], 1.5, -0.0]}}, "n\u0061me": "v\u00e9\n\"q\"", "na\"me.x": "\ud83d\ude00", "big": 9223372036854775808, "max": 9223372036854775807, "min": -9223372036854775808, "f": 1.25e-3, "e": 1E2, "z": 0, "neg": -12, "t": true, "fa": false, "nu": null, "empty": {}, "emptyList": [], "": "blank name", "dot.": {"x": 1}, "x": {"": 2, "": 3}}}""",
        """{"event": {"src_ip": "2001:DB8::1", "dst": "203.0.113.9", "user": "alice", "url": "https://Example.org/p?q=1", "md5": "ABCDEF", "hostname": "H1", "related": {"ip": ["1.2.3.4", " 5.6.7.8 "], "hosts": "x"}, "process": {"executable": "/usr/bin/curl"}, "source": {"ip": ["10.0.0.1", 5, "-", " ", "not an ip"]}, "file": {"hash": {"sha256": "AA"}}}, "host": "h", "source": "s", "index": "main", "sourcetype": "st"}""",
        // The same name twice: the last one counts for the record's members, the first place for the event's fields.
        """{"event": {"a": 1}, "event": {"b": 2, "b": 3}, "host": "first", "host": 5, "source": 1, "source": "second", "fields": {"x": 1}, "fields": {"y": [1, "two", {"three": 3}, [4], true, null], "x": "again", "hec.host": "override", "b": "not over the event", "o": {"k": "v"}, "t": true, "n": null, "d": 2.5, "l": 12345678901234}, "time": "bad", "time": 1764324000.5}""",
        // Windows events: System and EventData, XML attribute wrappers, EventData of the last Event only.
        """{"event": {"Event": {"#attributes": {"xmlns": "http://schemas.microsoft.com/win/2004/08/events/event"}, "System": {"Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon", "Guid": "{5770385f}"}}, "EventID": 1, "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": "WS1.corp.example", "TimeCreated": {"#attributes": {"SystemTime": "2026-11-28T10:00:00.123Z"}}, "Level": 4}, "EventData": {"#attributes": {"Name": "x"}, "Image": "C:\\Windows\\System32\\cmd.exe", "CommandLine": "cmd /c dir", "User": "CORP\\bob", "Hashes": "MD5=AB,SHA256=CD,IMPHASH=EF", "ParentImage": "C:\\x\\explorer.exe", "IpAddress": "::ffff:10.0.0.1", "Nested": {"a": 1}, "List": [1], "Image": "second image", "Empty": null}}}}""",
        """{"event": {"Event": {"System": {"EventID": 4624, "Channel": "Security"}, "EventData": {"TargetUserName": "first"}, "EventData": {"TargetUserName": "bob", "IpAddress": "10.1.2.3", "WorkstationName": "WS9"}}, "Event": {"System": {"EventID": 4625}, "EventData": {"SubjectUserName": "last", "ImageLoaded": "C:\\a\\b.dll", "Hashes": "SHA1=AA"}}}}""",
        """{"event": {"Event": {"System": {"EventID": 1}, "EventData": {"Image": "kept"}}, "Event": 5}}""",
        """{"event": {"Event": {"System": {"EventID": 1}, "EventData": {"TargetUserName": "first", "Only": "x"}, "EventData": {"TargetUserName": "last"}, "EventData": 3}}}""",
        """{"event": {"Event": {"System": {"EventID": 1}, "EventData": {"TargetUserName": "first", "Only": "x"}, "EventData": {"TargetUserName": "last", "Also": 2}}}}""",
        """{"event": {"Event.System.EventID": 1, "TargetFilename": "C:\\t\\f.txt", "Hashes": "SHA256=AB"}, "fields": {"Event.System.Channel": "x"}}""",
        // Events that are not objects, and times.
        """{"event": "a plain line 2026-11-28T10:00:00Z", "time": 1764324000}{"event": 42}{"event": [1, {"a": 2}]}{"event": true, "time": "1764324000123"}""",
        """{"event": {"timestamp": 1764324000, "time": "2026-11-28T10:00:00+02:00"}} {"event": {"@timestamp": "not a time", "event": {"created": "2026-11-28 10:00:00.5"}}, "time": "2026-11-29T00:00:00Z"}""",
        "\uFEFF{\"event\": {\"a\": \"after a byte order mark\"}}\r\n\t {\"event\": \"x\"}\n",
        // Bad records, each reported by its number.
        """{"event": {"a": 1}}{"host": "x"}""",
        """{"event": {"a": 1}}{"event": null}""",
        """{"event": {"a": 1}}{"event": ""}""",
        """{"event": {"a": 1}}{"event": { }}""",
        """{"event": {"a": 1}}{"event": "x", "fields": [1]}""",
        """{"event": {"a": 1}}{"event": "x", "fields": "y"}""",
        """{"event": {"a": 1}}{"event": "x", "time": true}""",
        """{"event": {"a": 1}}{"event": "x", "time": "not a time"}""",
        """{"event": {"a": 1}}{"event": "x", "time": -5}""",
        """{"event": {"a": 1}}{"event": {"a": 1}, "time": null}""",
        """{"event": {"a": 1}} [1, 2]""",
        """{"event": {"a": 1}} "text" """,
        """{"event": {"a": 1}} {"event": {"a": 1}""",
        """{"event": {"a": 1}} {"event": {"a": 1},}""",
        """{"event": {"a": 1}} {"event": {"a": 1}} garbage""",
        """{"event": {"a": 1}}}""",
        """{"event": {"a": 1}} // comment""",
        """{"event": "", "host": 1, "fields": 2}""",
        """{"event": {"a": 1}, "fields": 2, "time": "bad"}""",
        "",
        " \r\n\t ",
        "{}");

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Reader_gives_the_events_and_replies_the_documents_gave(string body) => AssertSame(body);

    [Fact]
    public void Too_many_events_are_reported_at_the_first_one_over_the_limit()
    {
        AssertSame("""{"event": "a"} {"event": "b"} {"event": "c"}""", 2);
        AssertSame("""{"event": "a"} {"event": "b"} not json""", 2);
        AssertSame("""{"event": "a"} {"event": "b"}""", 2);
        AssertSame("""{"event": "a"} {"event": ""} {"event": "c"}""", 2);
    }

    [Fact]
    public void Invalid_UTF8_and_too_deep_records_are_invalid_data()
    {
        var good = Encoding.UTF8.GetBytes("""{"event": {"a": 1}}""");
        foreach (var bad in (string[])["{\"event\": {\"a\": \"\xFF\"}}", "{\"event\": \"x\", \"other\": \"\xC3\"}", "{\"event\": {\"\xFE\": 1}}"])
            AssertSame([.. good, .. Encoding.Latin1.GetBytes(bad)]);
        AssertSame(good.Concat(Encoding.UTF8.GetBytes("{\"event\": " + new string('[', 70) + new string(']', 70) + "}")).ToArray());
        AssertSame(good.Concat(Encoding.UTF8.GetBytes("{\"event\": {\"a\": " + new string('[', 60) + new string(']', 60) + "}}")).ToArray());
    }

    [Fact]
    public void Sigma_regression_events_read_the_same()
    {
        // Real Windows and Linux events, each sent as the event of one HEC record.
        var body = new StringBuilder();
        foreach (var path in Directory.EnumerateFiles(TestData.Shared("sigma", "regression_data"), "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            JsonStream.ForEach(File.ReadAllBytes(path), (in JsonRecord r) =>
            {
                if (r.Document?.RootElement.ValueKind == JsonValueKind.Object && r.Document.RootElement.EnumerateObject().Any())
                    body.Append("{\"host\": \"h\", \"event\": ").Append(r.Document.RootElement.GetRawText()).Append("}\n");
                return true;
            });
        Assert.True(body.Length > 10_000);
        AssertSame(body.ToString(), int.MaxValue);
    }

    [Fact]
    public void Random_events_read_the_same()
    {
        var random = new Random(11);
        for (var i = 0; i < 300; i++)
        {
            var body = new StringBuilder();
            for (var n = random.Next(1, 5); n > 0; n--)
            {
                body.Append("{\"host\": \"H").Append(random.Next(3)).Append("\", \"event\": ");
                RandomObject(random, body, 0);
                if (random.Next(3) == 0)
                    body.Append(", \"fields\": ").Append(random.Next(2) == 0 ? "{\"source.ip\": \"10.0.0.1\", \"n\": 7}" : "{\"user.name\": [\"u\", 1]}");
                if (random.Next(4) == 0)
                    body.Append(", \"time\": ").Append(random.Next(2) == 0 ? "1764324000.25" : "\"2026-11-28T10:00:00Z\"");
                body.Append("}\n");
            }
            AssertSame(body.ToString());
        }
    }

    static readonly string[] Names =
    [
        "source", "destination", "ip", "user", "name", "host", "hostname", "src_ip", "dst", "url", "md5", "hash", "sha256", "process",
        "executable", "Event", "System", "EventID", "EventData", "Image", "#attributes", "related", "a\\u002eb", "é", "", "time",
        "@timestamp", "message", "file", "path", "domain", "dns", "question",
    ];

    static readonly string[] Scalars =
    [
        "\"10.0.0.1\"", "\"::1\"", "\"2001:0db8::0001\"", "\"Host.Example.\"", "\"C:\\\\Windows\\\\cmd.exe\"", "\"/bin/sh\"", "\"ABCDEF0123\"",
        "\"https://a.example/x\"", "1", "-1", "3000000000", "18446744073709551616", "0.5", "1e3", "true", "false", "null", "\"\"",
        "\"-\"", "\"x\\ty\\u0000z\"", "\"2026-11-28T10:00:00Z\"", "1764324000",
    ];

    static void RandomObject(Random random, StringBuilder into, int depth)
    {
        into.Append('{');
        for (var n = random.Next(depth == 0 ? 1 : 0, 6); n > 0; n--)
        {
            into.Append('"').Append(Names[random.Next(Names.Length)]).Append("\": ");
            RandomValue(random, into, depth);
            if (n > 1)
                into.Append(", ");
        }
        into.Append('}');
    }

    static void RandomValue(Random random, StringBuilder into, int depth)
    {
        switch (depth < 4 ? random.Next(6) : 5)
        {
            case 0:
            case 1:
                RandomObject(random, into, depth + 1);
                break;
            case 2:
                into.Append('[');
                for (var n = random.Next(4); n > 0; n--)
                {
                    RandomValue(random, into, depth + 1);
                    if (n > 1)
                        into.Append(", ");
                }
                into.Append(']');
                break;
            default:
                into.Append(Scalars[random.Next(Scalars.Length)]);
                break;
        }
    }

    [Theory]
    [InlineData("10.1.2.3")]
    [InlineData("0.0.0.0")]
    [InlineData("255.255.255.255")]
    [InlineData("192.168.100.200")]
    [InlineData("010.1.2.3")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("256.1.1.1")]
    [InlineData("1.2.3.4 ")]
    [InlineData("1..2.3")]
    [InlineData("1.2.3.")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("1.2.3.1000")]
    [InlineData("1.2.3.0004")]
    [InlineData("::ffff:1.2.3.4")]
    [InlineData("4294967295")]
    [InlineData("1.2.3.-4")]
    public void Canonical_IPv4_check_agrees_with_IPAddress(string text)
    {
        var canonical = System.Net.IPAddress.TryParse(text, out var a) && a.ToString() == text && a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork;
        Assert.Equal(canonical, EventNormalizer.IsCanonicalIPv4(text));
    }
}
