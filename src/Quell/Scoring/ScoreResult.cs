using System.Text.Json.Serialization;

namespace Quell.Scoring;

/// <summary>
/// One line of a score's explanation: the source, its evidence (level, the taxonomy that set it, the indicator and its
/// decayed score, or a note such as the allowlist's reason or "seen in 2 earlier alerts …"), its weight, the source's
/// reliability and the points (nats of log-odds) it added.
/// </summary>
public sealed record Contribution(
    string Source,
    string Level,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Taxonomy,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? IndicatorId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] double? IndicatorScore,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Note,
    double Weight,
    double Reliability,
    double Points)
{
    /// <summary>The observable it is about, in an alert's or case's explanation.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ObservableId { get; init; }
}

/// <summary>An observable's score: 0–100, verdict, log-odds (prior + points) and every contribution.</summary>
public sealed record ObservableScore(long Id, string DataType, string Data, int Score, string Verdict, double LogOdds, double Points,
    IReadOnlyList<Contribution> Contributions, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? History);

/// <summary>
/// An alert's or case's score. <see cref="Contributions"/> are what moved it: the strongest observable's contributions,
/// the bonus from the other observables and the history of alerts of the same kind; <see cref="Observables"/> has each
/// observable's own score and explanation.
/// </summary>
public sealed record OwnerScore(string Of, long Id, int Score, string Verdict, double LogOdds, double Prior,
    IReadOnlyList<Contribution> Contributions, IReadOnlyList<ObservableScore> Observables);
