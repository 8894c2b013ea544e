using System.Text.Json;
using Quell.Events;
using Quell.Tests.Support;

namespace Quell.Tests.Events;

public sealed class EventNormalizerTests
{
    static IncomingEvent Normalize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return EventNormalizer.Normalize(doc.RootElement, json);
    }

    static List<JsonElement> Values(string path)
    {
        var list = new List<JsonElement>();
        JsonStream.ForEach(File.ReadAllBytes(path), (in JsonRecord r) =>
        {
            Assert.True(r.Document is not null, $"{path}:{r.Line}: {r.Error}");
            list.Add(r.Document.RootElement.Clone());
            return true;
        });
        return list;
    }

    [Fact]
    public void Windows_sysmon_event_keeps_EventData_names_and_adds_ECS_fields()
    {
        var path = TestData.Shared("sigma", "regression_data", "rules-threat-hunting", "windows", "image_load",
            "image_load_win_werfaultsecure_dbgcore_dbghelp_load", "8a2f4b1c-3d5e-4f7a-9b2c-1e4f6d8a9c2b.json");
        var root = Assert.Single(Values(path));
        var e = EventNormalizer.Normalize(root, root.GetRawText());
        var f = e.Fields;
        Assert.Equal(@"C:\Windows\System32\WerFaultSecure.exe", f["Image"]);
        Assert.Equal(@"C:\Windows\System32\WerFaultSecure.exe", f["process.executable"]);
        Assert.Equal("WerFaultSecure.exe", f["process.name"]);
        Assert.Equal(@"C:\Windows\System32\dbgcore.dll", f["dll.path"]);
        Assert.Equal(7L, Assert.IsType<long>(f["EventID"]));
        Assert.Equal(7L, Assert.IsType<long>(f["event.code"]));
        Assert.Equal("Microsoft-Windows-Sysmon", f["Provider_Name"]);
        Assert.Equal("swachchhanda", f["Computer"]);
        Assert.Equal("swachchhanda", f["host.name"]);
        Assert.Equal("xodih", f["user.name"]);
        Assert.Equal("swachchhanda", f["user.domain"]);
        Assert.Equal("1b48a4f8d20026e6c56e3ab4cc4788fa6425c8a75f8d91c2869fa533de6b209e", f["dll.hash.sha256"]);
        Assert.Contains("1b48a4f8d20026e6c56e3ab4cc4788fa6425c8a75f8d91c2869fa533de6b209e", (IReadOnlyList<object?>)f["related.hash"]!);
        Assert.Contains("5e4f2c531c549bb72a658ed9dd16d491eddbb286", (IReadOnlyList<object?>)f["related.hash"]!);
        Assert.Equal(["xodih"], (IReadOnlyList<object?>)f["related.user"]!);
        Assert.Equal(["swachchhanda"], (IReadOnlyList<object?>)f["related.hosts"]!);
        Assert.Equal(new DateTimeOffset(2025, 11, 27, 7, 40, 10, 165, TimeSpan.Zero), e.Timestamp!.Value.AddTicks(-(e.Timestamp.Value.Ticks % TimeSpan.TicksPerMillisecond)));
        Assert.False(f.ContainsKey("Event.System.Provider.#attributes.Name"));
        Assert.Equal("Microsoft-Windows-Sysmon", f["Event.System.Provider.Name"]);
    }

    [Fact]
    public void Every_regression_event_normalizes_with_a_time_and_its_process_fields()
    {
        var root = TestData.Shared("sigma", "regression_data");
        var count = 0;
        foreach (var path in Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
            foreach (var ev in Values(path))
            {
                var e = EventNormalizer.Normalize(ev, ev.GetRawText());
                Assert.True(e.Timestamp is not null, $"{path}: no time");
                if (e.Fields.TryGetValue("CommandLine", out var cmd))
                    Assert.Equal(cmd, e.Fields["process.command_line"]);
                if (e.Fields.TryGetValue("Image", out var image) && !e.Fields.ContainsKey("ProcessName"))
                    Assert.Equal(image, e.Fields["process.executable"]);
                count++;
            }
        Assert.True(count >= 100, $"only {count} events read");
    }

    [Fact]
    public void Nested_ECS_json_is_flattened_and_related_values_collected()
    {
        var e = Normalize("""
            {"@timestamp":"2026-11-28T10:00:00Z","host":{"name":"WEB-1"},"source":{"ip":"10.0.0.5","port":51000},
             "destination":{"ip":"not-an-ip","domain":"Evil.Example."},"url":{"original":"https://phish.example/login"},
             "user":{"name":"alice"},"tags":["a","b"],"process":{"args":[{"x":1}]}}
            """);
        Assert.Equal("WEB-1", e.Fields["host.name"]);
        Assert.Equal(51000L, Assert.IsType<long>(e.Fields["source.port"]));
        Assert.Equal(["a", "b"], (IReadOnlyList<object?>)e.Fields["tags"]!);
        Assert.Equal(["{\"x\":1}"], (IReadOnlyList<object?>)e.Fields["process.args"]!);
        Assert.Equal(["10.0.0.5"], (IReadOnlyList<object?>)e.Fields["related.ip"]!);
        Assert.Equal(["web-1", "evil.example", "phish.example"], (IReadOnlyList<object?>)e.Fields["related.hosts"]!);
        Assert.Equal(["alice"], (IReadOnlyList<object?>)e.Fields["related.user"]!);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero), e.Timestamp);
    }

    [Fact]
    public void Related_values_given_by_the_sender_are_kept_as_sent_and_addresses_found_are_canonical()
    {
        var e = Normalize("""
            {"related":{"ip":["10.0.0.1"," 10.0.0.1 "],"hosts":["Mixed.Case."],"hash":["ABC"]},
             "source":{"ip":"2001:DB8:0:0:0:0:0:1"},"destination":{"ip":["10.0.0.1","not an ip","-"]},"host":{"name":"WEB-1."},
             "file":{"hash":{"sha1":"ABCDEF"}}}
            """);
        Assert.Equal(["10.0.0.1", "2001:db8::1"], (IReadOnlyList<object?>)e.Fields["related.ip"]!);
        Assert.Equal(["Mixed.Case.", "web-1"], (IReadOnlyList<object?>)e.Fields["related.hosts"]!);
        Assert.Equal(["ABC", "abcdef"], (IReadOnlyList<object?>)e.Fields["related.hash"]!);
    }

    [Fact]
    public void Common_log_names_are_mapped_to_ECS_beside_the_originals()
    {
        var e = Normalize("""{"src_ip":"192.0.2.1","dst_ip":"2001:db8::1","user":"bob","md5":"D41D8CD98F00B204E9800998ECF8427E","time":1764324000}""");
        Assert.Equal("192.0.2.1", e.Fields["src_ip"]);
        Assert.Equal("192.0.2.1", e.Fields["source.ip"]);
        Assert.Equal("2001:db8::1", e.Fields["destination.ip"]);
        Assert.Equal(["192.0.2.1", "2001:db8::1"], (IReadOnlyList<object?>)e.Fields["related.ip"]!);
        Assert.Equal(["bob"], (IReadOnlyList<object?>)e.Fields["related.user"]!);
        Assert.Equal(["d41d8cd98f00b204e9800998ecf8427e"], (IReadOnlyList<object?>)e.Fields["related.hash"]!);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1764324000), e.Timestamp);
    }

    [Theory]
    [InlineData("1764324000", 1764324000000L)]
    [InlineData("1764324000.25", 1764324000250L)]
    [InlineData("1764324000123", 1764324000123L)]
    [InlineData("\"2025-11-28 10:00:00.5\"", 1764324000500L)]
    public void Times_in_seconds_milliseconds_and_text_are_read(string json, long expectedMs)
    {
        var e = Normalize($$"""{"timestamp":{{json}}}""");
        Assert.Equal(expectedMs, e.Timestamp!.Value.ToUnixTimeMilliseconds());
    }

    [Fact]
    public void An_event_without_a_time_has_none_and_a_bad_time_is_ignored()
    {
        Assert.Null(Normalize("""{"msg":"x"}""").Timestamp);
        Assert.Null(Normalize("""{"time":"yesterday"}""").Timestamp);
        Assert.Null(Normalize("""{"time":-5}""").Timestamp);
    }

    [Fact]
    public void Random_json_never_throws_and_fields_hold_only_allowed_types()
    {
        var random = new Random(5);
        for (var i = 0; i < 500; i++)
        {
            var json = RandomObject(random, 0);
            var e = Normalize(json);
            foreach (var (_, v) in e.Fields)
                Assert.True(v is null or string or long or double or bool || (v is IReadOnlyList<object?> l && l.All(x => x is null or string or long or double or bool)), $"{json}: {v?.GetType()}");
            _ = EventJson.Serialize(e.Fields);
        }
    }

    static string RandomObject(Random r, int depth)
    {
        string[] names = ["host", "name", "ip", "source", "user", "url", "time", "@timestamp", "Event", "System", "EventID", "related.ip", "src_ip", "x\u0000y", "#attributes", ""];
        var parts = new List<string>();
        for (var i = r.Next(0, 5); i > 0; i--)
        {
            var value = r.Next(7) switch
            {
                0 when depth < 4 => RandomObject(r, depth + 1),
                1 => "[1,\"a\",null,{\"b\":2},[3]]",
                2 => r.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                3 => "1e308",
                4 => "true",
                5 => "\"10.1.2.3\"",
                _ => JsonSerializer.Serialize(new string((char)r.Next(0, 0xD7FF), r.Next(0, 4))),
            };
            parts.Add(JsonSerializer.Serialize(names[r.Next(names.Length)]) + ":" + value);
        }
        return "{" + string.Join(",", parts) + "}";
    }
}
