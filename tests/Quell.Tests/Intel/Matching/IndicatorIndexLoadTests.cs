using System.Net;
using System.Text;
using System.Text.Json;
using Quell.Intel;
using Quell.Intel.Matching;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Matching;

/// <summary>
/// <see cref="IndicatorIndex.LoadLines"/> keys canonical lines straight from their bytes; these tests hold that fast
/// path to the detector and normalizer line by line, and the address and name filters to brute force.
/// </summary>
public sealed class IndicatorIndexLoadTests
{
    /// <summary>Every attribute value of the MISP samples and every warninglist entry, plus shapes made to be tricky.</summary>
    internal static IEnumerable<string> Corpus()
    {
        foreach (var file in Directory.EnumerateFiles(TestData.Shared("misp"), "*.json", SearchOption.AllDirectories))
            foreach (var value in StringsNamed(File.ReadAllText(file), "value"))
                yield return value;
        foreach (var file in Directory.EnumerateFiles(TestData.Shared("warninglists", "lists"), "list.json", SearchOption.AllDirectories))
            using (var doc = JsonDocument.Parse(File.ReadAllText(file)))
                foreach (var entry in doc.RootElement.GetProperty("list").EnumerateArray())
                    if (entry.ValueKind == JsonValueKind.String)
                        yield return entry.GetString()!;
        string[] tricky =
        [
            "evil.example", "EVIL.Example", "a.b.c.evil.example", "evil.example.", "evil..example", "-evil.example", "evil-.example",
            "ev--il.example", "xn--bcher-kva.example", "Xn--Bcher-Kva.example", "bücher.example", "evil_1.example", "evil.ex4mple", "evil.e",
            "1.2.3.com", "invoice.pdf.exe", "invoice.PDF", "report.docx", "a.js", "localhost", "CVE-2024-1234", "AS13335", "as13335",
            "10.0.0.1", "10.0.0.1/8", "10.0.0.0/08", "010.000.000.001", "1.2.3.4/32", "1.2.3.4/33", "256.1.1.1", "1.2.3", "1.2.3.4.5",
            "1.2.3.4:80", "evil.example:8080", "2001:db8::1", "2001:DB8::1", "2001:db8::/32", "2001:db8::1/0128", "::ffff:1.2.3.4",
            "fe80::1%eth0", "[2001:db8::1]", "dead:beef", "::", "::/0",
            "d41d8cd98f00b204e9800998ecf8427e", "D41D8CD98F00B204E9800998ECF8427E", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", new string('a', 56), new string('b', 96), new string('c', 128),
            new string('d', 62), "12345678901234567890123456789012",
            "user@evil.example", "User.Name+tag@Evil.Example", "user@localhost", "user@evil.example.", "a@b@evil.example", "@evil.example",
            "user@", "user@xn--bcher-kva.example", "user@10.0.0.1",
            "http://evil.example", "http://evil.example/", "https://evil.example/a/b?c=d&e=f", "HTTP://evil.example/", "http://EVIL.example/x",
            "http://evil.example:80/", "http://evil.example:8080/", "http://user@evil.example/", "http://evil.example/a/../b",
            "http://evil.example/%41", "http://evil.example/#frag", "http://evil.example/a b", "http://10.0.0.1/x", "http://010.0.0.1/x",
            "http://[2001:db8::1]/x", "http://xn--bcher-kva.example/", "ftp://files.example/pub", "evil.example/login.php",
            "hxxp://evil[.]example/x", "evil[.]example", "evil(dot)example", "'evil.example'", "\"evil.example\"", "<evil.example>",
            "tab\tinside.example", "", "x",
        ];
        foreach (var value in tricky)
            yield return value;
    }

    static IEnumerable<string> StringsNamed(string json, string name)
    {
        var found = new List<string>();
        using var doc = JsonDocument.Parse(json);
        Walk(doc.RootElement);
        return found;

        void Walk(JsonElement e)
        {
            if (e.ValueKind == JsonValueKind.Object)
                foreach (var p in e.EnumerateObject())
                {
                    if (p.Name == name && p.Value.ValueKind == JsonValueKind.String)
                        found.Add(p.Value.GetString()!);
                    else
                        Walk(p.Value);
                }
            else if (e.ValueKind == JsonValueKind.Array)
                foreach (var item in e.EnumerateArray())
                    Walk(item);
        }
    }

    [Fact]
    public void The_fast_path_keys_every_line_exactly_as_detection_and_normalization_do()
    {
        var index = new IndicatorIndex();
        var fast = 0;
        var corpus = Corpus().Where(v => !v.Contains('\n', StringComparison.Ordinal)).Distinct().ToList();
        foreach (var value in corpus)
        {
            if (index.FastKey(Encoding.UTF8.GetBytes(value)) is not { } key)
                continue;
            fast++;
            var detected = TypeDetector.Detect(value);
            Assert.True(detected is not null, $"'{value}' was keyed fast but the detector finds no type");
            var normalized = IndicatorNormalizer.Normalize(detected.Value.Type, detected.Value.Value, out var error);
            Assert.True(normalized is not null, $"'{value}' was keyed fast but does not normalize: {error}");
            var keys = new List<IndicatorIndex.IndexKey>();
            index.Keys(detected.Value.Type, normalized, keys);
            Assert.True(keys is [var only] && only == key, $"'{value}' ({detected.Value.Type}): fast key {key} differs from {string.Join(", ", keys)}");
        }
        // Most real values take the fast path; the test is only meaningful if many did.
        Assert.True(fast > corpus.Count / 2, $"only {fast} of {corpus.Count} values took the fast path");
    }

    [Fact]
    public void Loading_lines_indexes_what_adding_them_one_by_one_does()
    {
        var corpus = Corpus().Where(v => !v.Contains('\n', StringComparison.Ordinal)).ToList();
        var loaded = new IndicatorIndex();
        var result = loaded.LoadLines(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', corpus))));
        var added = new IndicatorIndex();
        var typed = 0;
        for (var i = 0; i < corpus.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(corpus[i]) || TypeDetector.Detect(corpus[i]) is not { } d
                || IndicatorNormalizer.Normalize(d.Type, d.Value, out _) is not { } normalized)
                continue;
            typed++;
            added.Add(i + 1, d.Type, normalized);
        }

        Assert.Equal(corpus.Count, result.Lines);
        Assert.Equal(typed, result.Loaded);
        Assert.Equal(added.Count, loaded.Count);
        foreach (var value in corpus.Concat(corpus.Select(v => "sub." + v)).Concat(corpus.Select(v => v.ToUpperInvariant())))
        {
            List<long> a = [], b = [];
            Assert.Equal(added.Match(value, a), loaded.Match(value, b));
            Assert.Equal(a.Order(), b.Order());
        }
    }

    [Fact]
    public void Line_numbers_and_untyped_lines_are_counted_across_slices()
    {
        // Over 4 MB, so the loader reads it in several slices; untyped lines sit on both sides of a slice boundary.
        var lines = Enumerable.Range(1, 300_000).Select(i => i % 100_000 == 0 ? $"not a value {i}" : $"h{i}.evil.example").ToList();
        var index = new IndicatorIndex();

        var result = index.LoadLines(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\r\n", lines) + "\r\n")), samples: 5);

        Assert.Equal(300_000, result.Lines);
        Assert.Equal(299_997, result.Loaded);
        Assert.Equal(3, result.Untyped);
        Assert.Equal(["line 100000: 'not a value 100000': no type recognized", "line 200000: 'not a value 200000': no type recognized",
            "line 300000: 'not a value 300000': no type recognized"], result.UntypedSamples);
        var ids = new List<long>();
        Assert.True(index.Match("x.h250000.evil.example", ids));
        Assert.Equal([250_000L], ids);
    }

    [Fact]
    public void A_load_of_many_slices_of_random_mixed_lines_indexes_what_adding_them_one_by_one_does()
    {
        // About 9.5 MB: the loader keeps its working arrays from slice to slice, and slices hold different numbers of
        // keys per table, so stale entries of a longer earlier slice would show here.
        var random = new Random(11);
        var lines = new List<string>();
        string Hex(int bytes) => Convert.ToHexStringLower(Enumerable.Range(0, bytes).Select(_ => (byte)random.Next(256)).ToArray());
        for (var i = 0; i < 320_000; i++)
            lines.Add((random.Next(12), i) switch
            {
                (0, _) => Hex(16),
                (1, _) => Hex(32).ToUpperInvariant(),
                (2, _) => $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.{random.Next(256)}",
                (3, _) => $"{random.Next(1, 224)}.{random.Next(256)}.{random.Next(256)}.0/{random.Next(16, 25)}",
                (4, _) => $"2001:db8:{random.Next(65536):x}::{random.Next(65536):x}",
                (5, _) => $"h{random.Next(50_000)}.d{random.Next(500)}.example",
                (6, _) => $"https://h{random.Next(50_000)}.example/p{random.Next(1000)}",
                (7, _) => $"u{random.Next(50_000)}@d{random.Next(500)}.example",
                (8, var at) when at > 0 => lines[random.Next(at)], // the same value again
                (9, _) => $"hxxp://h{random.Next(50_000)}[.]example/x",
                (10, _) => random.Next(50) == 0 ? $"not a value {i}" : $"d{random.Next(500)}.example",
                _ => Hex(20),
            });
        var loaded = new IndicatorIndex();
        var result = loaded.LoadLines(new MemoryStream(Encoding.UTF8.GetBytes(string.Join('\n', lines))));
        var added = new IndicatorIndex();
        var typed = 0;
        for (var i = 0; i < lines.Count; i++)
            if (TypeDetector.Detect(lines[i]) is { } d && IndicatorNormalizer.Normalize(d.Type, d.Value, out _) is { } normalized)
            {
                typed++;
                added.Add(i + 1, d.Type, normalized);
            }

        Assert.True(Encoding.UTF8.GetByteCount(string.Join('\n', lines)) > 2 * (4 << 20), "the lines fill several slices");
        Assert.Equal(lines.Count, result.Lines);
        Assert.Equal(typed, result.Loaded);
        Assert.Equal(added.Count, loaded.Count);
        foreach (var value in lines.Concat(lines.Take(20_000).Select(v => "sub." + v)))
        {
            List<long> a = [], b = [];
            Assert.Equal(added.Match(value, a), loaded.Match(value, b));
            Assert.True(a.Order().SequenceEqual(b.Order()), value);
        }
    }

    [Fact]
    public void Addresses_match_every_listed_block_that_contains_them_whatever_the_prefix_lengths()
    {
        var random = new Random(7);
        var index = new IndicatorIndex();
        var blocks = new List<(long Id, UInt128 Network, int Prefix, bool V6)>();
        long id = 0;
        int[] v4Prefixes = [0, 1, 7, 8, 12, 15, 16, 17, 20, 24, 28, 31, 32];
        int[] v6Prefixes = [0, 3, 16, 31, 32, 33, 48, 63, 64, 65, 95, 96, 97, 112, 127, 128];
        // Addresses are drawn near a few bases, so blocks and lookups overlap as they do in real lists.
        uint[] v4Bases = [0x0A000000, 0xC0A80000, 0x08080800];
        UInt128[] v6Bases = [UInt128.Parse("42540766411282592856903984951653826560"), UInt128.Parse("50511880613681437048963627356241903616")];
        uint V4() => v4Bases[random.Next(v4Bases.Length)] ^ (uint)random.Next(0, 1 << random.Next(1, 24));
        UInt128 V6() => v6Bases[random.Next(v6Bases.Length)] ^ ((UInt128)(ulong)random.NextInt64() >> random.Next(0, 64)) ^ ((UInt128)(uint)random.Next(0, 1 << 20) << 64);
        for (var i = 0; i < 400; i++)
        {
            var v6 = i % 2 == 1;
            var prefix = v6 ? v6Prefixes[random.Next(v6Prefixes.Length)] : v4Prefixes[random.Next(v4Prefixes.Length)];
            var address = v6 ? V6() : V4();
            var text = v6 ? ToV6(address) : new IPAddress((uint)IPAddress.HostToNetworkOrder((int)(uint)address)).ToString();
            var normalized = IndicatorNormalizer.Normalize("ip-dst", $"{text}/{prefix}", out var error) ?? throw new InvalidOperationException(error);
            index.Add(++id, "ip-dst", normalized);
            blocks.Add((id, Mask(address, prefix, v6 ? 128 : 32), prefix, v6));
        }
        for (var i = 0; i < 4000; i++)
        {
            var v6 = i % 2 == 1;
            var address = v6 ? V6() : V4();
            var text = v6 ? ToV6(address) : new IPAddress((uint)IPAddress.HostToNetworkOrder((int)(uint)address)).ToString();
            var expected = blocks.Where(b => b.V6 == v6 && Mask(address, b.Prefix, v6 ? 128 : 32) == b.Network).Select(b => b.Id).Order();
            var ids = new List<long>();
            index.Match(text, ids);
            Assert.True(expected.SequenceEqual(ids.Order()), $"{text}: expected [{string.Join(",", expected)}], got [{string.Join(",", ids.Order())}]");
        }
    }

    static UInt128 Mask(UInt128 address, int prefix, int bits) => prefix == 0 ? 0 : address & ((UInt128.MaxValue << (128 - prefix)) >> (128 - bits));

    static string ToV6(UInt128 address)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return new IPAddress(bytes).ToString();
    }

    [Fact]
    public void Names_match_listed_parents_of_every_length()
    {
        var index = new IndicatorIndex();
        string[] listed = ["evil.example", "a.b.c.d.e.f.example", "x.y.example", "deep.one.two.three.four.five.six.seven.example"];
        for (var i = 0; i < listed.Length; i++)
            index.Add(i + 1, TypeDetector.Detect(listed[i])!.Value.Type, listed[i]);
        string[] probes = ["evil.example", "w.evil.example", "1.2.3.4.5.6.7.8.9.evil.example", "example", "notevil.example", "b.c.d.e.f.example",
            "z.a.b.c.d.e.f.example", "y.example", "q.x.y.example", "x.y.example.org", "deep.one.two.three.four.five.six.seven.example",
            "one.two.three.four.five.six.seven.example", "w.deep.one.two.three.four.five.six.seven.example"];
        foreach (var probe in probes)
        {
            var expected = listed.Select((l, i) => (l, Id: i + 1L)).Where(x => probe == x.l || probe.EndsWith("." + x.l, StringComparison.Ordinal)).Select(x => x.Id);
            var ids = new List<long>();
            index.Match(probe, ids);
            Assert.True(expected.SequenceEqual(ids.Order()), probe);
        }
    }
}
