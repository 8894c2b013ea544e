using Quell.Enrichment;
using Quell.Scoring;

namespace Quell.Bench;

/// <summary>
/// The peer for <see cref="ScoringBenchmarks"/>: the same model as <see cref="Scorer"/>, written the obvious way
/// (group by source, order, LINQ sums). Its results must equal the model's (checked in the benchmark's setup).
/// </summary>
public sealed class LinqScorer(ScoreModel model)
{
    public OwnerScore Combine(string of, long id, IReadOnlyList<ObservableEvidence> observables, IReadOnlyDictionary<string, SourceRecord> reliability,
        HistoryCounts kindHistory)
    {
        var scored = observables.Select(o => Score(o, reliability)).ToList();
        var top = scored.OrderByDescending(s => s.Points).ThenBy(s => scored.IndexOf(s)).FirstOrDefault();
        var contributions = new List<Contribution>();
        if (top is not null)
        {
            contributions.AddRange(top.Contributions);
            var others = scored.Where(s => !ReferenceEquals(s, top) && s.Points > 0).ToList();
            if (others.Count > 0)
            {
                var sum = Round(others.Sum(s => s.Points));
                contributions.Add(new Contribution(Scorer.ObservablesSource, Levels.Info, null, null, null,
                    $"{others.Count} other observable{(others.Count == 1 ? "" : "s")} with positive points ({sum}): {model.BonusShare} of them, at most {model.BonusCap}",
                    model.BonusShare, 1, Round(Math.Min(model.BonusCap, model.BonusShare * others.Sum(s => s.Points)))));
            }
        }
        if (kindHistory.Summary("alerts of this type and source") is { } note)
        {
            var p = Round(model.KindHistoryPerDecision * (Math.Min(kindHistory.TruePositive, model.HistoryCap) - Math.Min(kindHistory.FalsePositive + kindHistory.Benign, model.HistoryCap)));
            contributions.Add(new Contribution(Scorer.HistorySource, p > 0 ? Levels.Malicious : p < 0 ? Levels.Safe : Levels.Info, null, null, null, note, 1, 1, p));
        }
        var points = (top?.Points ?? 0) + contributions.Where(c => c.ObservableId is null).Sum(c => c.Points);
        var logOdds = model.Prior + points;
        var score = ScoreModel.ToScore(logOdds);
        return new OwnerScore(of, id, score, model.VerdictOf(score, points, contributions.Any(c => c.Points != 0)), Round(logOdds), Round(model.Prior), contributions, scored);
    }

    ObservableScore Score(ObservableEvidence o, IReadOnlyDictionary<string, SourceRecord> reliability)
    {
        var contributions = o.Items
            .Select((e, i) => (e, i, p: model.WeightOf(e.Source) * 2 * (reliability.TryGetValue(e.Source, out var r) ? r.Reliability : 0.5)
                * (e.IndicatorScore is { } s ? model.IntelAtFullScore * Math.Clamp(s, 0, 100) / 100 : model.LevelPoints(e.Level))))
            .GroupBy(x => x.e.Source)
            .Select(g => g.Aggregate((best, x) => Math.Abs(x.p) > Math.Abs(best.p) ? x : best))
            .OrderBy(x => x.i)
            .Select(x => new Contribution(x.e.Source, x.e.Level, x.e.Taxonomy, x.e.IndicatorId, x.e.IndicatorScore, null, model.WeightOf(x.e.Source),
                Round(reliability.TryGetValue(x.e.Source, out var r) ? r.Reliability : 0.5), Round(x.p))
            { ObservableId = o.Id })
            .ToList();
        var history = o.History.Summary("alerts/cases");
        if (history is not null)
        {
            var p = model.HistoryPerDecision * (Math.Min(o.History.TruePositive, model.HistoryCap) - Math.Min(o.History.FalsePositive + o.History.Benign, model.HistoryCap));
            contributions.Add(new Contribution(Scorer.HistorySource, p > 0 ? Levels.Malicious : p < 0 ? Levels.Safe : Levels.Info, null, null, null, history, 1, 1, Round(p)) { ObservableId = o.Id });
        }
        if (o.Allowlisted is { } reason)
            contributions.Add(new Contribution(Scorer.AllowlistSource, Levels.Safe, null, null, null, reason, 1, 1, model.Allowlisted) { ObservableId = o.Id });
        var points = Round(contributions.Sum(c => c.Points));
        var logOdds = model.Prior + points;
        var score = ScoreModel.ToScore(logOdds);
        return new ObservableScore(o.Id, o.DataType, o.Data, score, model.VerdictOf(score, points, contributions.Any(c => c.Points != 0)), Round(logOdds), points, contributions, history);
    }

    static double Round(double v) => Math.Round(v, 2, MidpointRounding.AwayFromZero);
}
