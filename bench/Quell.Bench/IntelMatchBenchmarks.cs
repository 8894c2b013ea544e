using BenchmarkDotNet.Attributes;
using Quell.Intel;
using Quell.Intel.Matching;

namespace Quell.Bench;

/// <summary>
/// Lookups per second by kind, and mixed in the proportions of the index, on an index of 1,000,000 mixed indicators
/// (target: ≥ 5,000,000/s per core). Each invocation looks up 1,024 values, half of them hits, one at a time and as
/// one batch (the call <c>quell intel match</c> makes); the reported time is per lookup.
/// </summary>
[MemoryDiagnoser]
public class IntelMatchBenchmarks
{
    const int Batch = 1024;
    IndicatorIndex _index = null!;
    byte[][] _values = null!;

    byte[] _lines = null!;
    Range[] _ranges = null!;
    readonly bool[] _answers = new bool[Batch];

    [Params("hash", "ipv4", "domain", "url", "email", "mixed")]
    public string Kind { get; set; } = "hash";

    [GlobalSetup]
    public void Setup()
    {
        (_index, var listed) = IntelMatchData.Build(1_000_000);
        _values = IntelMatchData.Lookups(listed, Kind, Batch);
        _lines = [.. _values.SelectMany(v => v.Append((byte)'\n'))];
        _ranges = new Range[Batch];
        for (int i = 0, at = 0; i < Batch; at += _values[i++].Length + 1)
            _ranges[i] = at..(at + _values[i].Length);
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "IndicatorIndex.IsMatch (UTF-8 line)")]
    public int IsMatch()
    {
        var hits = 0;
        foreach (var v in _values)
            if (_index.IsMatch(v))
                hits++;
        return hits;
    }

    [Benchmark(OperationsPerInvoke = Batch, Description = "IndicatorIndex.IsMatch (1,024 lines at once)")]
    public int IsMatchBatch()
    {
        _index.IsMatch(_lines, _ranges, _answers);
        return _answers.AsSpan().Count(true);
    }
}

/// <summary>Deterministic mixed indicators, as bench/intel-match/generate.py makes them.</summary>
public static class IntelMatchData
{
    static readonly string[] Tlds = ["example", "net", "org", "io", "ru", "info", "xyz", "top"];

    public static (IndicatorIndex Index, Dictionary<string, List<string>> Listed) Build(int count)
    {
        var rng = new Random(42);
        var index = new IndicatorIndex();
        var listed = new Dictionary<string, List<string>> { ["hash"] = [], ["ipv4"] = [], ["domain"] = [], ["url"] = [], ["email"] = [] };
        for (var id = 1; id <= count; id++)
        {
            var (kind, type, value) = Next(rng);
            index.Add(id, type, IndicatorNormalizer.Normalize(type, value, out _)!);
            if (listed[kind].Count < 100_000)
                listed[kind].Add(value);
        }
        return (index, listed);
    }

    static (string Kind, string Type, string Value) Next(Random rng)
    {
        var r = rng.NextDouble();
        return r switch
        {
            < 0.35 => ("hash", "sha256", Hex(rng, 64)),
            < 0.50 => ("ipv4", "ip-dst", Ipv4(rng)),
            < 0.54 => ("ipv4", "ip-dst", $"{Ipv4(rng)}/{rng.Next(16, 29)}"),
            < 0.82 => ("domain", "domain", Domain(rng)),
            < 0.95 => ("url", "url", $"http://{Domain(rng)}/{Hex(rng, 8)}/login.php?id={rng.Next(99999)}"),
            _ => ("email", "email-src", $"user{Hex(rng, 6)}@{Domain(rng)}"),
        };
    }

    /// <summary>Half hits (listed values; subdomains, URLs or addresses of listed names; addresses in blocks), half misses.</summary>
    public static byte[][] Lookups(Dictionary<string, List<string>> listed, string kind, int n)
    {
        var rng = new Random(7);
        var values = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            var hit = i % 2 == 0;
            var of = kind == "mixed" ? MixedKind(rng.NextDouble()) : kind;
            var pick = listed[of][rng.Next(listed[of].Count)];
            var value = (of, hit) switch
            {
                ("hash", true) => pick.ToUpperInvariant(),
                ("ipv4", true) => pick.Split('/')[0],
                ("domain", true) => $"www{i}.{pick}",
                ("email", true) => pick,
                ("url", true) => pick,
                ("hash", false) => Hex(rng, 64),
                ("ipv4", false) => Ipv4(rng),
                ("domain", false) => $"www.{Domain(rng)}",
                ("email", false) => $"user@{Domain(rng)}",
                _ => $"http://{Domain(rng)}/x/login.php",
            };
            values[i] = System.Text.Encoding.UTF8.GetBytes(value);
        }
        return values;
    }

    /// <summary>A kind in the proportions <see cref="Next"/> builds the index with.</summary>
    static string MixedKind(double r) => r switch { < 0.35 => "hash", < 0.54 => "ipv4", < 0.82 => "domain", < 0.95 => "url", _ => "email" };

    static string Hex(Random rng, int digits) => string.Concat(Enumerable.Range(0, digits).Select(_ => "0123456789abcdef"[rng.Next(16)]));
    static string Ipv4(Random rng) => $"{rng.Next(1, 224)}.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(1, 255)}";
    static string Domain(Random rng) => $"site{Hex(rng, 8)}.{Tlds[rng.Next(Tlds.Length)]}";

    /// <summary>`Quell.Bench intel-memory [N]`: managed memory and table bytes per indicator for an index of N.</summary>
    public static int ReportMemory(int count)
    {
        GC.Collect();
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var (index, listed) = Build(count);
        listed.Clear();
        GC.Collect();
        var after = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine($"indicators: {index.Count:N0}");
        Console.WriteLine($"GC heap growth: {after - before:N0} bytes = {(after - before) / (double)index.Count:N1} bytes per indicator");
        Console.WriteLine($"index tables:   {index.Bytes:N0} bytes = {index.Bytes / (double)index.Count:N1} bytes per indicator");
        GC.KeepAlive(index);
        return 0;
    }
}
