using System.Buffers;
using System.Collections.Frozen;

namespace Quell.Intel.Warninglists;

/// <summary>
/// MISP "substring" lists: the value contains an entry (case-sensitive, as MISP's str_contains). All entries are
/// searched at once (<see cref="SearchValues{T}"/>, Aho-Corasick or Teddy inside), not one IndexOf per entry.
/// </summary>
public sealed class SubstringMatcher : IListMatcher
{
    readonly SearchValues<string>? _search;
    readonly FrozenSet<string> _entries;
    readonly int[] _lengths;

    public SubstringMatcher(IEnumerable<string> entries)
    {
        _entries = entries.Where(e => e.Length > 0).ToFrozenSet(StringComparer.Ordinal);
        _search = _entries.Count == 0 ? null : SearchValues.Create(_entries.ToArray(), StringComparison.Ordinal);
        // To name the entry that hit: the search gives the position, the entry is one of these lengths there.
        _lengths = _entries.Select(e => e.Length).Distinct().OrderDescending().ToArray();
    }

    public int Count => _entries.Count;

    public ListMatch? Match(string type, string value)
    {
        if (_search is null)
            return null;
        var at = value.AsSpan().IndexOfAny(_search);
        if (at < 0)
            return null;
        var lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var length in _lengths)
            if (at + length <= value.Length && lookup.TryGetValue(value.AsSpan(at, length), out var entry))
                return new ListMatch(entry, null);
        return null;
    }
}
