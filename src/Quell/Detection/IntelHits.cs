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

    /// <summary>
    /// The candidates of every indicator-bearing value. <paramref name="match"/> appends a value's candidate ids to the
    /// list it is given (one list reused for the batch: a look-up allocates nothing, decision 199).
    /// </summary>
    public static List<IntelHit> Find(IReadOnlyList<IncomingEvent> events, Action<string, List<long>> match)
    {
        var hits = new List<IntelHit>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ids = new List<long>();
        for (var i = 0; i < events.Count; i++)
        {
            seen.Clear();
            var fields = events[i].Fields;
            foreach (var field in Fields)
            {
                if (!fields.TryGetValue(field, out var value))
                    continue;
                if (value is string s)
                    Look(i, field, s);
                else if (value is IEnumerable<object?> list)
                    foreach (var item in list)
                        if (item is string text)
                            Look(i, field, text);
            }
        }
        return hits;

        void Look(int i, string field, string text)
        {
            if (text.Length is 0 or > MaxValueLength || !seen.Add(text))
                return;
            ids.Clear();
            match(text, ids);
            foreach (var id in ids)
                hits.Add(new IntelHit(i, field, text, id));
        }
    }
}
