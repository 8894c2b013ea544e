using Quell.Detection.Sigma;
using Quell.Events;

namespace Quell.Detection;

/// <summary>One event that a Sigma rule matched.</summary>
public readonly record struct SigmaHit(int EventIndex, SigmaRule Rule);

/// <summary>
/// Runs stored events through the Sigma engine. The engine reads the normalized fields (the original names, such as
/// Windows' <c>Image</c> and <c>CommandLine</c>, and the ECS ones), so a rule matches whichever the shipper sent.
/// </summary>
public static class SigmaHits
{
    /// <summary>
    /// The matches of rules that report on their own; matches of rules that correlations use also go to
    /// <paramref name="correlated"/> while the event can still be read (one view serves the whole batch: the event it
    /// is given is valid only during the call).
    /// </summary>
    public static List<SigmaHit> Find(SigmaCatalog catalog, IReadOnlyList<IncomingEvent> events, Action<int, SigmaRule, ISigmaEvent>? correlated = null)
    {
        var hits = new List<SigmaHit>();
        var matcher = catalog.Engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        var e = new NormalizedSigmaEvent();
        for (var i = 0; i < events.Count; i++)
        {
            matches.Clear();
            e.Reset(events[i].Fields);
            if (matcher.Match(e, matches) == 0)
                continue;
            foreach (var rule in matches)
            {
                if (correlated is not null && catalog.Correlates(rule))
                    correlated(i, rule, e);
                if (catalog.Reports(rule))
                    hits.Add(new SigmaHit(i, rule));
            }
        }
        return hits;
    }

    /// <summary>A field's value as text for grouping (array items joined by commas); null when it has none.</summary>
    public static string? Text(SigmaValue v) => v.IsScalar ? v.Text
        : v.Kind == SigmaValueKind.Array ? string.Join(",", v.Items!.Where(i => i.IsScalar).Select(i => i.Text)) : null;
}
