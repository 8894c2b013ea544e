using Quell.Enrichment;

namespace Quell.Scoring;

/// <summary>
/// The numbers of the score (docs/scoring.md), bound from the <c>Scoring</c> configuration section and checked at start
/// (<see cref="ScoreModelValidation"/>): a prior from a base rate, the log-likelihood ratio (in nats) each level stands
/// for, per-source weights and default reliabilities, how analysts' history, the allowlist and an alert's other
/// observables count, and the verdict thresholds. The defaults are the documented model.
/// </summary>
public sealed class ScoreModel
{
    public const string Section = "Scoring";

    /// <summary>The documented defaults, for code that runs without configuration (tests, benchmarks).</summary>
    public static ScoreModel Default { get; } = new();

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

    /// <summary>The weight of a source not named in <see cref="Weights"/>.</summary>
    public double DefaultWeight { get; init; } = 1.0;

    /// <summary>Weights of sources whose verdicts are stronger or weaker than an average analyzer's.</summary>
    public Dictionary<string, double> Weights { get; init; } = new(StringComparer.OrdinalIgnoreCase)
    {
        // Sandboxes watched the thing run.
        ["vmray"] = 1.5,
        ["cape"] = 1.5,
    };

    /// <summary>
    /// A source's reliability before analysts judged it (the mean of its Beta prior, worth two decisions), unless
    /// <see cref="Reliabilities"/> names it: 0.5 counts a new source at face value.
    /// </summary>
    public double DefaultReliability { get; init; } = 0.5;

    /// <summary>Default reliabilities per source (e.g. a feed known to be noisy starts at 0.3).</summary>
    public Dictionary<string, double> Reliabilities { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    public double Prior => Math.Log(BaseRate / (1 - BaseRate));

    public double WeightOf(string source) => Weights.TryGetValue(source, out var w) ? w : DefaultWeight;

    /// <summary>
    /// The mean of Beta(2·r₀ + agree, 2·(1 − r₀) + disagree), r₀ the source's default reliability: with r₀ = 0.5 that is
    /// Beta(1 + agree, 1 + disagree), and each analyst decision moves it as much as before.
    /// </summary>
    public double ReliabilityOf(string source, SourceRecord record)
    {
        var r0 = Reliabilities.TryGetValue(source, out var r) ? r : DefaultReliability;
        return (record.Agree + 2 * r0) / (record.Agree + record.Disagree + 2.0);
    }

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
