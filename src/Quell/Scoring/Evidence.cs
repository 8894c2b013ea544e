namespace Quell.Scoring;

/// <summary>
/// One source's statement about an observable: an analyzer's report (its level and the taxonomy that set it), an intel
/// match (the indicator and its decayed score), an allowlist entry (its reason). The scorer turns it into points.
/// </summary>
public readonly record struct Evidence(string Source, string Level, string? Taxonomy = null, long? IndicatorId = null, double? IndicatorScore = null);

/// <summary>Analysts' earlier decisions about a value (or about alerts of one kind): how many of each verdict.</summary>
public readonly record struct HistoryCounts(int TruePositive, int FalsePositive, int Benign)
{
    public int Total => TruePositive + FalsePositive + Benign;

    /// <summary>"seen in 2 earlier alerts/cases: false-positive ×2"; null when never seen.</summary>
    public string? Summary(string what)
    {
        if (Total == 0)
            return null;
        var parts = new List<string>(3);
        if (TruePositive > 0)
            parts.Add($"true-positive ×{TruePositive}");
        if (FalsePositive > 0)
            parts.Add($"false-positive ×{FalsePositive}");
        if (Benign > 0)
            parts.Add($"benign ×{Benign}");
        return $"seen in {Total} earlier {what}: {string.Join(", ", parts)}";
    }

    public HistoryCounts Add(string verdict) => verdict switch
    {
        AnalystVerdict.TruePositive => this with { TruePositive = TruePositive + 1 },
        AnalystVerdict.FalsePositive => this with { FalsePositive = FalsePositive + 1 },
        AnalystVerdict.Benign => this with { Benign = Benign + 1 },
        _ => this,
    };
}

/// <summary>Everything known about one observable when it is scored.</summary>
public sealed class ObservableEvidence
{
    public long Id { get; init; }
    public string DataType { get; init; } = "";
    public string Data { get; init; } = "";
    /// <summary>Analyzer reports (newest per analyzer) and intel matches.</summary>
    public IReadOnlyList<Evidence> Items { get; init; } = [];
    /// <summary>Earlier decisions on alerts and cases holding the same value.</summary>
    public HistoryCounts History { get; init; }
    /// <summary>Why the value is on the allowlist, when it is (and not expired).</summary>
    public string? Allowlisted { get; init; }
}

/// <summary>How often a source's malicious or safe agreed with analysts' verdicts (per organisation).</summary>
public readonly record struct SourceRecord(long Agree, long Disagree)
{
    /// <summary>The mean of Beta(1 + agree, 1 + disagree): 0.5 before any decision.</summary>
    public double Reliability => (Agree + 1.0) / (Agree + Disagree + 2.0);
}
