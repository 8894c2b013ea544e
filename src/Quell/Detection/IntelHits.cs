using Quell.Events;

namespace Quell.Detection;

/// <summary>One event value that the intel matcher matched: the event, the field and value, the candidate indicator.</summary>
public readonly record struct IntelHit(int EventIndex, string Field, string Value, long IndicatorId);

/// <summary>
/// Which fields of an event carry indicators, and the matcher's candidates for them. Pure over the matcher: the caller
/// confirms candidates against the store. <c>related.*</c> covers addresses, names, hashes and users the normalizer
/// collected from every field; URLs, e-mail addresses and DNS questions are read where ECS puts them.
/// </summary>
public static class IntelHits
{
    /// <summary>Fields looked up, in order; a value seen in two of them is looked up once per event.</summary>
    public static readonly string[] Fields =
    [
        "related.ip", "related.hosts", "related.hash", "url.original", "url.full", "dns.question.name", "destination.domain",
        "email.from.address", "email.sender.address", "email.to.address", "email.reply_to.address", "file.name", "process.name",
    ];

    /// <summary>Values longer than this are not looked up (the matcher refuses them anyway).</summary>
    const int MaxValueLength = 8192;

    public static List<IntelHit> Find(IReadOnlyList<IncomingEvent> events, Func<string, List<long>> match)
    {
        var hits = new List<IntelHit>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            seen.Clear();
            foreach (var field in Fields)
            {
                if (!events[i].Fields.TryGetValue(field, out var value))
                    continue;
                foreach (var text in Texts(value))
                {
                    if (text.Length is 0 or > MaxValueLength || !seen.Add(text))
                        continue;
                    foreach (var id in match(text))
                        hits.Add(new IntelHit(i, field, text, id));
                }
            }
        }
        return hits;
    }

    static IEnumerable<string> Texts(object? value) => value switch
    {
        string s => [s],
        IEnumerable<object?> list => list.OfType<string>(),
        _ => [],
    };
}
