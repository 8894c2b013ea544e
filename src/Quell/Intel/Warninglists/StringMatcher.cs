using System.Collections.Frozen;

namespace Quell.Intel.Warninglists;

/// <summary>
/// MISP "string" lists: exact match, case-sensitive as in MISP. Hashes, domains and e-mail addresses are compared with
/// the entries lower-cased too: MISP lower-cases those attribute values when it saves them, and so does the normalizer.
/// </summary>
public sealed class StringMatcher : IListMatcher
{
    readonly FrozenDictionary<string, ListMatch> _exact;
    readonly FrozenDictionary<string, ListMatch> _lower;

    public StringMatcher(IEnumerable<(string Entry, string? Reason)> entries)
    {
        var exact = new Dictionary<string, ListMatch>(StringComparer.Ordinal);
        var lower = new Dictionary<string, ListMatch>(StringComparer.Ordinal);
        foreach (var (entry, reason) in entries)
        {
            var e = entry.Trim();
            if (e.Length == 0)
                continue;
            exact.TryAdd(e, new ListMatch(e, reason));
            lower.TryAdd(e.ToLowerInvariant(), new ListMatch(e, reason));
        }
        _exact = exact.ToFrozenDictionary(StringComparer.Ordinal);
        _lower = lower.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public int Count => _exact.Count;

    public ListMatch? Match(string type, string value)
    {
        if (_exact.TryGetValue(value, out var m))
            return m;
        return IndicatorTypes.KindOf(type) is IndicatorKind.Hash or IndicatorKind.Domain or IndicatorKind.Email
            && _lower.TryGetValue(value, out m) ? m : null;
    }
}
