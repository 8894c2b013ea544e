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
    public static List<SigmaHit> Find(SigmaEngine engine, IReadOnlyList<IncomingEvent> events)
    {
        var hits = new List<SigmaHit>();
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        for (var i = 0; i < events.Count; i++)
        {
            matches.Clear();
            if (matcher.Match(new NormalizedSigmaEvent(events[i].Fields), matches) == 0)
                continue;
            foreach (var rule in matches)
                hits.Add(new SigmaHit(i, rule));
        }
        return hits;
    }
}
