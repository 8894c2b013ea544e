namespace Quell.Server.Dev;

/// <summary>
/// Collects the alerts linked to each case while they stream past, then gives each case what AlertStore.LinkAsync
/// would have left on it: observables merged without duplicates (flags OR-ed), detection and first-evidence times
/// widened to the alerts', one timeline entry per link.
/// </summary>
public sealed class CaseLinks
{
    readonly Dictionary<long, List<SeedAlert>> _byCase = [];

    public sealed record LinkedObservable(SeedObservable Observable, long At);

    public sealed record Link(long AlertId, string Source, string SourceRef, int Added, long At);

    public sealed record Result(IReadOnlyList<LinkedObservable> Observables, IReadOnlyList<Link> Alerts, long? DetectedAt, long? FirstEvidenceAt);

    public void Add(SeedAlert alert)
    {
        if (alert.CaseId is not { } caseId)
            return;
        if (!_byCase.TryGetValue(caseId, out var list))
            _byCase[caseId] = list = [];
        list.Add(alert);
    }

    public Result Complete(SeedCase c)
    {
        if (!_byCase.Remove(c.Id, out var alerts))
            return new Result([], [], c.DetectedAt, null);
        var merged = new Dictionary<(string, string), int>();
        var observables = new List<LinkedObservable>();
        var links = new List<Link>();
        long? detected = c.DetectedAt, firstEvidence = null;
        for (var i = 0; i < alerts.Count; i++)
        {
            var a = alerts[i];
            var at = c.CreatedAt + i * 60_000L;
            var added = 0;
            foreach (var o in a.Observables)
            {
                if (merged.TryGetValue((o.DataType, o.Data), out var index))
                {
                    var old = observables[index];
                    observables[index] = old with { Observable = old.Observable with { Ioc = old.Observable.Ioc || o.Ioc, Sighted = old.Observable.Sighted || o.Sighted } };
                    continue;
                }
                merged[(o.DataType, o.Data)] = observables.Count;
                observables.Add(new LinkedObservable(o, at));
                added++;
            }
            links.Add(new Link(a.Id, a.Source, a.SourceRef, added, at));
            detected = Min(detected, a.Date);
            firstEvidence = Min(firstEvidence, a.FirstEvidenceAt);
        }
        return new Result(observables, links, detected, firstEvidence);
    }

    static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
