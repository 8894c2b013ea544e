using Quell.Enrichment;
using Quell.Scoring;

namespace Quell.Tests.Scoring;

/// <summary>The pure model: each rule of docs/scoring.md, on hand-made evidence.</summary>
public sealed class ScorerTests
{
    static readonly Scorer Scorer = Scorer.Default;
    static readonly Dictionary<string, SourceRecord> Neutral = new(StringComparer.Ordinal);

    static ObservableEvidence Obs(long id, params Evidence[] items) => new() { Id = id, DataType = "url", Data = $"http://x{id}.example/", Items = items };

    [Fact]
    public void No_evidence_is_the_prior_and_unknown()
    {
        var s = Scorer.Score(Obs(1), Neutral);
        Assert.Equal(10, s.Score);
        Assert.Equal(ScoreVerdict.Unknown, s.Verdict);
        Assert.Empty(s.Contributions);
    }

    [Fact]
    public void Two_independent_sources_agreeing_count_more_than_one()
    {
        var one = Scorer.Score(Obs(1, new Evidence("virustotal", Levels.Malicious, "VT:GetReport=5/76")), Neutral);
        var two = Scorer.Score(Obs(1, new Evidence("virustotal", Levels.Malicious), new Evidence("urlhaus", Levels.Malicious)), Neutral);
        Assert.Equal(69, one.Score); // -2.197 + 3
        Assert.Equal(98, two.Score); // -2.197 + 6
        Assert.Equal(ScoreVerdict.Suspicious, one.Verdict);
        Assert.Equal(ScoreVerdict.Malicious, two.Verdict);
        var c = Assert.Single(one.Contributions);
        Assert.Equal(("virustotal", "VT:GetReport=5/76", 1.0, 0.5, 3.0), (c.Source, c.Taxonomy, c.Weight, c.Reliability, c.Points));
    }

    [Fact]
    public void Reliability_scales_a_source_between_nothing_and_double()
    {
        var e = Obs(1, new Evidence("virustotal", Levels.Malicious));
        var trusted = Scorer.Score(e, new Dictionary<string, SourceRecord> { ["virustotal"] = new(8, 0) }); // r = 0.9
        var doubted = Scorer.Score(e, new Dictionary<string, SourceRecord> { ["virustotal"] = new(0, 2) }); // r = 0.25
        Assert.Equal(5.4, trusted.Contributions[0].Points);
        Assert.Equal(1.5, doubted.Contributions[0].Points);
        Assert.Equal(0.25, doubted.Contributions[0].Reliability);
    }

    [Fact]
    public void Intel_counts_its_decayed_score_and_the_strongest_match_of_a_source_only()
    {
        var s = Scorer.Score(Obs(1,
            new Evidence(Scorer.IntelSource, Levels.Suspicious, IndicatorId: 7, IndicatorScore: 40),
            new Evidence(Scorer.IntelSource, Levels.Malicious, IndicatorId: 9, IndicatorScore: 75)), Neutral);
        var c = Assert.Single(s.Contributions);
        Assert.Equal((9L, 75.0, 3.0), (c.IndicatorId!.Value, c.IndicatorScore!.Value, c.Points));
    }

    [Fact]
    public void History_and_the_allowlist_pull_towards_safe_and_say_why()
    {
        var o = new ObservableEvidence
        {
            Id = 1,
            DataType = "domain",
            Data = "partner.example",
            Items = [new Evidence("virustotal", Levels.Malicious)],
            History = new HistoryCounts(0, 2, 0),
            Allowlisted = "allowlisted: benign on alert 4 by alice",
        };
        var s = Scorer.Score(o, Neutral);
        Assert.Equal(ScoreVerdict.Safe, s.Verdict);
        Assert.Equal("seen in 2 earlier alerts/cases: false-positive ×2", s.History);
        Assert.Contains(s.Contributions, c => c.Source == Scorer.HistorySource && c.Points == -3.0 && c.Level == Levels.Safe);
        Assert.Contains(s.Contributions, c => c.Source == Scorer.AllowlistSource && c.Points == -8.0 && c.Note!.Contains("benign on alert 4", StringComparison.Ordinal));
    }

    [Fact]
    public void An_alert_takes_its_strongest_observable_plus_a_bounded_bonus_and_its_kinds_history()
    {
        var observables = Enumerable.Range(1, 50).Select(i => Obs(i, new Evidence("urlhaus", Levels.Suspicious))).Append(
            Obs(99, new Evidence("virustotal", Levels.Malicious))).ToList();
        var s = Scorer.Combine("alert", 5, observables, Neutral, new HistoryCounts(1, 0, 0));
        // 3 (strongest) + min(2, 0.25 × 50) + 1 (one earlier true positive of this kind)
        Assert.Equal(Math.Round(-2.197 + 6, 2), s.LogOdds, 2);
        Assert.Equal(ScoreVerdict.Malicious, s.Verdict);
        Assert.Equal(99, s.Contributions[0].ObservableId);
        Assert.Contains(s.Contributions, c => c.Source == Scorer.ObservablesSource && c.Points == 2.0);
        Assert.Contains(s.Contributions, c => c.Source == Scorer.HistorySource && c.Note == "seen in 1 earlier alerts of this type and source: true-positive ×1");
        Assert.Equal(51, s.Observables.Count);
    }

    [Fact]
    public void Agreement_counts_a_sources_malicious_or_safe_once_per_decision()
    {
        var shown = Scorer.Combine("alert", 1, [
            Obs(1, new Evidence("virustotal", Levels.Safe), new Evidence("dns", Levels.Info)),
            Obs(2, new Evidence("virustotal", Levels.Malicious), new Evidence("urlhaus", Levels.Safe), new Evidence("rdap", Levels.Suspicious))], Neutral);
        var fp = Decisions.Agreement(shown, AnalystVerdict.FalsePositive);
        Assert.Equal(new SourceRecord(0, 1), fp["virustotal"]);
        Assert.Equal(new SourceRecord(1, 0), fp["urlhaus"]);
        Assert.False(fp.ContainsKey("dns"));
        Assert.False(fp.ContainsKey("rdap"));
        Assert.Equal(new SourceRecord(1, 0), Decisions.Agreement(shown, AnalystVerdict.TruePositive)["virustotal"]);
    }
}
