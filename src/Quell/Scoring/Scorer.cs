using Quell.Enrichment;

namespace Quell.Scoring;

/// <summary>
/// The score itself: pure, no I/O. Per observable, log-odds = prior + Σ weight × reliability factor × level points over
/// its sources (one statement per source: the strongest), plus analysts' history and the allowlist. An alert or case
/// takes its strongest observable, a bounded bonus from the others and the history of alerts of its kind.
/// </summary>
public sealed class Scorer(ScoreModel model)
{
    public const string IntelSource = "intel";
    public const string HistorySource = "history";
    public const string AllowlistSource = "allowlist";
    public const string ObservablesSource = "observables";

    /// <summary>The documented model (docs/scoring.md).</summary>
    public static readonly Scorer Default = new(ScoreModel.Default);

    public ScoreModel Model => model;

    /// <summary>
    /// The factor a source's points are multiplied by: 2 × reliability, so 1 for a source analysts never judged
    /// (default reliability 0.5), towards 2 for one that always agreed with them and towards 0 for one that never did.
    /// </summary>
    public static double ReliabilityFactor(double reliability) => 2 * reliability;

    public ObservableScore Score(ObservableEvidence o, IReadOnlyDictionary<string, SourceRecord> reliability)
    {
        var items = o.Items;
        var contributions = new List<Contribution>(items.Count + 2);
        var points = 0.0;
        for (var i = 0; i < items.Count; i++)
        {
            var e = items[i];
            var raw = e.IndicatorScore is { } s ? model.IntelAtFullScore * Math.Clamp(s, 0, 100) / 100 : model.LevelPoints(e.Level);
            var r = model.ReliabilityOf(e.Source, reliability.GetValueOrDefault(e.Source));
            var w = model.WeightOf(e.Source);
            var p = w * ReliabilityFactor(r) * raw;
            // One statement per source: several intel matches of one value are one fact seen by several feeds.
            var same = IndexOfSource(contributions, e.Source);
            if (same >= 0)
            {
                if (Math.Abs(p) <= Math.Abs(contributions[same].Points))
                    continue;
                points -= contributions[same].Points;
                contributions.RemoveAt(same);
            }
            contributions.Add(new Contribution(e.Source, e.Level, e.Taxonomy, e.IndicatorId, e.IndicatorScore, null, w, Round(r), Round(p)) { ObservableId = o.Id });
            points += Round(p);
        }
        var history = o.History.Summary(ScoreReads.HistoryWhat);
        if (history is not null)
        {
            var p = HistoryPoints(o.History, model.HistoryPerDecision);
            contributions.Add(new Contribution(HistorySource, p > 0 ? Levels.Malicious : p < 0 ? Levels.Safe : Levels.Info, null, null, null, history, 1, 1, Round(p))
            { ObservableId = o.Id });
            points += Round(p);
        }
        if (o.Allowlisted is { } reason)
        {
            contributions.Add(new Contribution(AllowlistSource, Levels.Safe, null, null, null, reason, 1, 1, model.Allowlisted) { ObservableId = o.Id });
            points += model.Allowlisted;
        }
        var logOdds = model.Prior + points;
        var score = ScoreModel.ToScore(logOdds);
        return new ObservableScore(o.Id, o.DataType, o.Data, score, model.VerdictOf(score, points, AnyMoved(contributions)), Round(logOdds), Round(points),
            contributions, history);
    }

    /// <summary>
    /// Combines an alert's or case's observables: the strongest observable's points, plus <see cref="ScoreModel.BonusShare"/>
    /// of the others' positive points up to <see cref="ScoreModel.BonusCap"/> (many weak signals add up a little; fifty
    /// suspicious URLs are not fifty times as bad), plus the history of alerts of the same kind.
    /// </summary>
    public OwnerScore Combine(string of, long id, IReadOnlyList<ObservableEvidence> observables, IReadOnlyDictionary<string, SourceRecord> reliability,
        HistoryCounts kindHistory = default)
    {
        var scored = new ObservableScore[observables.Count];
        var top = -1;
        for (var i = 0; i < scored.Length; i++)
        {
            scored[i] = Score(observables[i], reliability);
            if (top < 0 || scored[i].Points > scored[top].Points)
                top = i;
        }
        var contributions = new List<Contribution>();
        var points = 0.0;
        if (top >= 0)
        {
            contributions.AddRange(scored[top].Contributions);
            points += scored[top].Points;
            var others = 0.0;
            var counted = 0;
            for (var i = 0; i < scored.Length; i++)
                if (i != top && scored[i].Points > 0)
                {
                    others += scored[i].Points;
                    counted++;
                }
            if (counted > 0)
            {
                var bonus = Round(Math.Min(model.BonusCap, model.BonusShare * others));
                contributions.Add(new Contribution(ObservablesSource, Levels.Info, null, null, null,
                    $"{counted} other observable{(counted == 1 ? "" : "s")} with positive points ({Round(others)}): {model.BonusShare} of them, at most {model.BonusCap}",
                    model.BonusShare, 1, bonus));
                points += bonus;
            }
        }
        if (kindHistory.Summary("alerts of this type and source") is { } note)
        {
            var p = Round(HistoryPoints(kindHistory, model.KindHistoryPerDecision));
            contributions.Add(new Contribution(HistorySource, p > 0 ? Levels.Malicious : p < 0 ? Levels.Safe : Levels.Info, null, null, null, note, 1, 1, p));
            points += p;
        }
        var logOdds = model.Prior + points;
        var score = ScoreModel.ToScore(logOdds);
        return new OwnerScore(of, id, score, model.VerdictOf(score, points, AnyMoved(contributions)), Round(logOdds), Round(model.Prior), contributions, scored);
    }

    double HistoryPoints(HistoryCounts h, double perDecision) =>
        perDecision * (Math.Min(h.TruePositive, model.HistoryCap) - Math.Min(h.FalsePositive + h.Benign, model.HistoryCap));

    static int IndexOfSource(List<Contribution> list, string source)
    {
        for (var i = 0; i < list.Count; i++)
            if (string.Equals(list[i].Source, source, StringComparison.Ordinal))
                return i;
        return -1;
    }

    static bool AnyMoved(List<Contribution> list)
    {
        foreach (var c in list)
            if (c.Points != 0)
                return true;
        return false;
    }

    static double Round(double v) => Math.Round(v, 2, MidpointRounding.AwayFromZero);
}
