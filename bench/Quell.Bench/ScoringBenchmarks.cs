using BenchmarkDotNet.Attributes;
using Quell.Enrichment;
using Quell.Scoring;

namespace Quell.Bench;

/// <summary>
/// Scoring one alert with 50 observables and 200 pieces of evidence (4 per observable: three analyzer reports and an
/// intel match, mixed levels, some history, one allowlisted value), with 8 sources' reliabilities. Target (issue 6):
/// under 1 ms. The peer is a straightforward LINQ implementation of the same model (<see cref="LinqScorer"/>).
/// </summary>
[MemoryDiagnoser]
public class ScoringBenchmarks
{
    static readonly string[] Analyzers = ["virustotal", "urlhaus", "abuseipdb", "phishtank", "misp", "urlscan", "rdap"];
    static readonly string[] LevelCycle = [Levels.Malicious, Levels.Suspicious, Levels.Safe, Levels.Info, Levels.Info];
    List<ObservableEvidence> _observables = null!;
    Dictionary<string, SourceRecord> _reliability = null!;
    readonly Scorer _scorer = Scorer.Default;
    readonly LinqScorer _linq = new(ScoreModel.Default);

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(42);
        _observables = [.. Enumerable.Range(1, 50).Select(i => new ObservableEvidence
        {
            Id = i,
            DataType = "url",
            Data = $"http://host{i}.example/path",
            Items = [
                .. Enumerable.Range(0, 3).Select(k => new Evidence(Analyzers[(i + k) % Analyzers.Length], LevelCycle[rng.Next(LevelCycle.Length)], $"NS:Pred=v{k}")),
                new Evidence("intel", Levels.Malicious, "url=x (feed)", 1000 + i, Math.Round(rng.NextDouble() * 100, 1)),
            ],
            History = i % 7 == 0 ? new HistoryCounts(1, 2, 0) : default,
            Allowlisted = i == 13 ? "allowlisted: benign" : null,
        })];
        _reliability = Analyzers.Append("intel").Select((s, i) => (s, new SourceRecord(i * 3, i))).ToDictionary(p => p.s, p => p.Item2, StringComparer.Ordinal);
        var a = Model();
        var b = Linq();
        if (a.Score != b.Score || a.LogOdds != b.LogOdds || a.Contributions.Count != b.Contributions.Count)
            throw new InvalidOperationException($"the peer disagrees: {a.Score}/{a.LogOdds} vs {b.Score}/{b.LogOdds}");
    }

    [Benchmark(Baseline = true)]
    public OwnerScore Model() => _scorer.Combine("alert", 1, _observables, _reliability, new HistoryCounts(0, 1, 0));

    [Benchmark]
    public OwnerScore Linq() => _linq.Combine("alert", 1, _observables, _reliability, new HistoryCounts(0, 1, 0));
}
