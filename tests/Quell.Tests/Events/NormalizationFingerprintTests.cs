using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Quell.Detection.Sigma;
using Quell.Events;
using Quell.Tests.Detection.Sigma;

namespace Quell.Tests.Events;

/// <summary>
/// The normalizer's output, pinned: every event's time, raw text, stored fields JSON (names, order, values and their
/// JSON types) and indexed related values, hashed over the SigmaHQ regression events (alone and inside HEC envelopes)
/// and over events shaped like the HEC bench's. The expected hashes were computed by main's normalizer at db2babe
/// (decision 193), so a faster path that changes any field of any event fails here.
/// </summary>
public sealed class NormalizationFingerprintTests
{
    const string RegressionEvents = "9bd80ea1aecd43059f80b878afdacd5a697104d0a28b74ce02b5b3346d7f248a";
    const string RegressionThroughHec = "174f0bc5f6d754af686beab822f4c7a221b31262b9999e637d4e8fe5a8d99096";
    const string BenchShapedHec = "ca3a869556d6228ad18a71696b19056f48538840c7f73b1e26717029999dfc4b";

    static IEnumerable<JsonElement> Regression() =>
        RegressionConformanceTests.Cases().SelectMany(c => SigmaEventReader.ReadAll(File.ReadAllBytes(c.EventsFile)));

    /// <summary>One line per event; the fingerprint of a run is the SHA-256 of the lines.</summary>
    static void Describe(IncomingEvent e, StringBuilder into)
    {
        into.Append(e.Timestamp?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "-").Append('\t').Append(e.Raw).Append('\t')
            .Append(EventJson.Serialize(e.Fields)).Append('\t');
        foreach (var value in EventStore.Related(e))
            into.Append(value).Append('|');
        into.Append('\n');
    }

    static string Fingerprint(IEnumerable<IncomingEvent> events, out int count)
    {
        var text = new StringBuilder();
        count = 0;
        foreach (var e in events)
        {
            Describe(e, text);
            count++;
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    static List<IncomingEvent> Hec(string body)
    {
        var (events, error) = HecRequest.ParseEvents(Encoding.UTF8.GetBytes(body), int.MaxValue);
        Assert.True(error is null, error?.Text);
        return events!;
    }

    /// <summary>Non-ASCII characters as they are, not escaped, so the paths for raw UTF-8 run.</summary>
    static readonly JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The bench's two shapes (ECS firewall events, flat Sysmon-style process events), plus names given twice, escapes, non-ASCII and indexed fields.</summary>
    internal static string BenchShapedBody(int n)
    {
        var b = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            object ev = (i % 4) switch
            {
                0 or 2 => new Dictionary<string, object>
                {
                    ["@timestamp"] = $"2026-11-28T10:{i / 60 % 60:00}:{i % 60:00}.{i % 1000:000}Z",
                    ["event"] = new { action = "deny", category = "network" },
                    ["source"] = new { ip = $"10.{i % 200}.{i % 250}.{i % 199}", port = 40000 + i % 20000 },
                    ["destination"] = new { ip = $"203.0.113.{i % 250}", port = 443, domain = $"Host{i % 97}.Example.com." },
                    ["user"] = new { name = $"user{i % 50}" },
                    ["message"] = $"fw deny tcp connection {i} ünïcode",
                    ["geo"] = new { city = i % 3 == 0 ? "Zürich" : "Zurich" },
                },
                1 => new Dictionary<string, object>
                {
                    ["EventID"] = 1,
                    ["Computer"] = $"WS-{i % 300:000}",
                    ["Image"] = @"C:\Windows\System32\cmd.exe",
                    ["CommandLine"] = $"cmd.exe /c whoami /all {i}",
                    ["User"] = $@"CORP\user{i % 50}",
                    ["ParentImage"] = @"C:\Windows\explorer.exe",
                    ["Hashes"] = $"SHA256={i * 7919:X64}",
                    ["UtcTime"] = $"2026-11-28 10:00:00.{i % 1000:000}",
                },
                _ => new Dictionary<string, object>
                {
                    ["src_ip"] = $"::ffff:192.0.2.{i % 250}",
                    ["dst"] = "2001:DB8::1",
                    ["url"] = $"https://Evil{i % 7}.example.net/x?i={i}",
                    ["md5"] = $"{i:X32}",
                    ["time"] = 1764324000 + i,
                    ["related"] = new { ip = new[] { "198.51.100.1", "198.51.100.1" } },
                    ["nul"] = "a\u0000b",
                    ["tab\tname"] = "v",
                    ["list"] = new object[] { 1, "two", new { three = 3 }, new[] { 4 } },
                },
            };
            b.Append(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["host"] = i % 5 == 0 ? "bench-a" : "bench",
                ["sourcetype"] = "_json",
                ["event"] = ev,
                ["fields"] = new Dictionary<string, object> { ["hec.host"] = "from-fields", ["env"] = "prod", ["tags"] = new[] { "a", "b" } },
            }, Relaxed));
            // Raw JSON keeps a name given twice, which a dictionary cannot.
            if (i % 10 == 3)
                b.Append("""{"event": {"a": 1, "a": "again", "b": {"c": true}}, "host": "dup", "host": "dup2"}""");
            b.Append('\n');
        }
        return b.ToString();
    }

    [Fact]
    public void Regression_events_normalize_as_before()
    {
        var actual = Fingerprint(Regression().Select(e => EventNormalizer.Normalize(e, e.GetRawText())), out var count);
        Assert.True(count >= 100, $"only {count} events");
        Assert.True(actual == RegressionEvents, $"fingerprint {actual}");
    }

    [Fact]
    public void Regression_events_through_hec_normalize_as_before()
    {
        var body = string.Concat(Regression().Select(e => $$"""{"host": "h1", "sourcetype": "win", "index": "main", "event": {{e.GetRawText()}}}""" + "\n"));
        var actual = Fingerprint(Hec(body), out _);
        Assert.True(actual == RegressionThroughHec, $"fingerprint {actual}");
    }

    [Fact]
    public void Bench_shaped_hec_events_normalize_as_before()
    {
        var actual = Fingerprint(Hec(BenchShapedBody(2000)), out var count);
        Assert.True(actual == BenchShapedHec, $"fingerprint {actual}");
        Assert.Equal(2200, count);
    }
}
