using Quell.Enrichment;

namespace Quell.Scoring;

/// <summary>
/// The numbers of the score (docs/scoring.md): a prior from a base rate, the log-likelihood ratio (in nats) each level
/// stands for, per-source weights, and how analysts' history, the allowlist and an alert's other observables count.
/// </summary>
public sealed class ScoreModel
{
    public static readonly ScoreModel Default = new();

    /// <summary>Share of observables that turn out malicious before any evidence: 10 % (score 10).</summary>
    public double BaseRate { get; init; } = 0.10;
    public double Malicious { get; init; } = 3.0;
    public double Suspicious { get; init; } = 1.0;
    public double Safe { get; init; } = -2.0;
    /// <summary>An intel match's points are this × its decayed score / 100 (score 75 counts as much as "malicious").</summary>
    public double IntelAtFullScore { get; init; } = 4.0;
    /// <summary>Points per earlier decision on the same value (+ true positive, − false positive or benign), at most <see cref="HistoryCap"/> of each.</summary>
    public double HistoryPerDecision { get; init; } = 1.5;
    /// <summary>Points per earlier decision on an alert of the same kind (type and source).</summary>
    public double KindHistoryPerDecision { get; init; } = 1.0;
    public int HistoryCap { get; init; } = 3;
    /// <summary>An allowlisted value: a strong "safe" that outweighs a malicious verdict or two.</summary>
    public double Allowlisted { get; init; } = -8.0;
    /// <summary>An alert's other observables add this share of their positive points, up to <see cref="BonusCap"/>.</summary>
    public double BonusShare { get; init; } = 0.25;
    public double BonusCap { get; init; } = 2.0;
    public int MaliciousAt { get; init; } = 80;
    public int SuspiciousAt { get; init; } = 50;
    /// <summary>Net points at or below this make a verdict "safe" (evidence pointing away from malicious).</summary>
    public double SafeAtOrBelow { get; init; } = -1.0;

    /// <summary>Weights of sources whose verdicts are stronger or weaker than an average analyzer's (default 1).</summary>
    public IReadOnlyDictionary<string, double> Weights { get; init; } = new Dictionary<string, double>(StringComparer.Ordinal)
    {
        // Sandboxes watched the thing run.
        ["vmray"] = 1.5,
        ["cape"] = 1.5,
    };

    public double Prior => Math.Log(BaseRate / (1 - BaseRate));

    public double WeightOf(string source) => Weights.TryGetValue(source, out var w) ? w : 1.0;

    public double LevelPoints(string level) => level switch
    {
        Levels.Malicious => Malicious,
        Levels.Suspicious => Suspicious,
        Levels.Safe => Safe,
        _ => 0,
    };

    /// <summary>0–100 from log-odds.</summary>
    public static int ToScore(double logOdds) => (int)Math.Round(100.0 / (1.0 + Math.Exp(-logOdds)), MidpointRounding.AwayFromZero);

    public string VerdictOf(int score, double netPoints, bool anyEvidence) =>
        !anyEvidence ? ScoreVerdict.Unknown
        : score >= MaliciousAt ? ScoreVerdict.Malicious
        : score >= SuspiciousAt ? ScoreVerdict.Suspicious
        : netPoints <= SafeAtOrBelow ? ScoreVerdict.Safe
        : ScoreVerdict.Unknown;
}
