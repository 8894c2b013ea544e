using System.Buffers;

namespace Quell.Detection.Sigma;

/// <summary>
/// A compiled <see cref="SigmaPattern"/>: exact, prefix, suffix and contains tests use vectorised span searches;
/// other shapes run a glob matcher over literal segments (no regular expressions, no backtracking explosion).
/// Case-insensitive searches for a literal go through a <see cref="SearchValues{T}"/> of it: with invariant
/// globalization (the build's setting) <c>IndexOf(…, OrdinalIgnoreCase)</c> runs a scalar loop, 10–20× slower
/// (decision 197).
/// </summary>
internal sealed class SigmaStringMatcher
{
    enum Shape { Exact, Prefix, Suffix, Contains, Any, Glob }

    readonly Shape _shape;
    readonly string _text = "";
    readonly SigmaPattern.Token[] _tokens;
    readonly StringComparison _comparison;
    readonly Segment[] _segments;
    readonly SearchValues<string>? _search;

    public SigmaPattern Pattern { get; }

    public StringComparison Comparison => _comparison;

    /// <summary>The literal of a case-insensitive <c>contains</c> test (<c>*text*</c>); null for any other test.</summary>
    public string? ContainsIgnoringCase => _search is null ? null : _text;

    public SigmaStringMatcher(SigmaPattern pattern, bool cased)
    {
        Pattern = pattern;
        _comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        _tokens = [.. pattern.Tokens];
        _segments = Split(_tokens, _comparison);
        var t = _tokens;
        bool Star(int i) => t[i].Star;
        bool Lit(int i) => t[i].Literal is not null;
        (_shape, _text) = t.Length switch
        {
            0 => (Shape.Exact, ""),
            1 when Lit(0) => (Shape.Exact, t[0].Literal!),
            1 when Star(0) => (Shape.Any, ""),
            2 when Lit(0) && Star(1) => (Shape.Prefix, t[0].Literal!),
            2 when Star(0) && Lit(1) => (Shape.Suffix, t[1].Literal!),
            3 when Star(0) && Lit(1) && Star(2) => (Shape.Contains, t[1].Literal!),
            _ => (Shape.Glob, ""),
        };
        if (_shape == Shape.Contains)
            _search = Search(_text, _comparison);
    }

    /// <summary>The vectorised search for a case-insensitive literal; null when the plain span search is as fast (ordinal, empty).</summary>
    internal static SearchValues<string>? Search(string literal, StringComparison comparison) =>
        comparison == StringComparison.OrdinalIgnoreCase && literal.Length > 0 ? SearchValues.Create([literal], comparison) : null;

    public bool IsMatch(ReadOnlySpan<char> s) => _shape switch
    {
        Shape.Exact => s.Equals(_text, _comparison),
        Shape.Prefix => s.StartsWith(_text, _comparison),
        Shape.Suffix => s.EndsWith(_text, _comparison),
        Shape.Contains => _search is null ? s.Contains(_text, _comparison) : s.ContainsAny(_search),
        Shape.Any => true,
        _ => Glob(s),
    };

    /// <summary>
    /// Matches a pattern with stars: the part before the first star must match at the start, the part after the last
    /// at the end, and each part between stars is found leftmost after the previous one. Leftmost is always right (it
    /// leaves the most text for the rest), so there is no backtracking: O(text × pattern) at worst.
    /// </summary>
    bool Glob(ReadOnlySpan<char> s)
    {
        var segments = _segments;
        if (segments.Length == 1)
            return s.Length == segments[0].Length && segments[0].MatchesAt(s, 0, _comparison);
        var head = segments[0];
        var tail = segments[^1];
        if (s.Length < head.Length + tail.Length || !head.MatchesAt(s, 0, _comparison) || !tail.MatchesAt(s, s.Length - tail.Length, _comparison))
            return false;
        var pos = head.Length;
        var end = s.Length - tail.Length;
        for (var k = 1; k < segments.Length - 1; k++)
        {
            var at = segments[k].Find(s[..end], pos, _comparison);
            if (at < 0)
                return false;
            pos = at + segments[k].Length;
        }
        return true;
    }

    /// <summary>Literals and '?' between two stars (or the pattern's start/end).</summary>
    internal sealed class Segment(SigmaPattern.Token[] tokens, StringComparison comparison)
    {
        public int Length { get; } = tokens.Sum(t => t.Literal?.Length ?? 1);

        // The first literal (after any leading '?'), the one Find anchors on, and how many '?' precede it.
        readonly string? _first = tokens.FirstOrDefault(t => t.Literal is not null).Literal;
        readonly int _lead = tokens.TakeWhile(t => t.Literal is null).Count();
        readonly SearchValues<string>? _search = tokens.FirstOrDefault(t => t.Literal is not null).Literal is { } first ? Search(first, comparison) : null;

        public bool MatchesAt(ReadOnlySpan<char> s, int at, StringComparison comparison)
        {
            if (at < 0 || at + Length > s.Length)
                return false;
            foreach (var t in tokens)
            {
                if (t.Literal is { } lit)
                {
                    if (!s.Slice(at, lit.Length).Equals(lit, comparison))
                        return false;
                    at += lit.Length;
                }
                else
                    at++;
            }
            return true;
        }

        /// <summary>The leftmost index at or after <paramref name="from"/> where the segment matches, or -1.</summary>
        public int Find(ReadOnlySpan<char> s, int from, StringComparison comparison)
        {
            // Anchor on the segment's first literal (after any leading '?').
            var lead = _lead;
            var first = _first;
            if (first is null)
                return s.Length - from >= Length ? from : -1;
            var search = from + lead;
            while (search + first.Length <= s.Length)
            {
                var i = _search is not null && comparison == StringComparison.OrdinalIgnoreCase ? s[search..].IndexOfAny(_search) : s[search..].IndexOf(first, comparison);
                if (i < 0)
                    return -1;
                var start = search + i - lead;
                if (MatchesAt(s, start, comparison))
                    return start;
                search += i + 1;
            }
            return -1;
        }
    }

    static Segment[] Split(SigmaPattern.Token[] tokens, StringComparison comparison)
    {
        var segments = new List<Segment>();
        var current = new List<SigmaPattern.Token>();
        foreach (var t in tokens)
        {
            if (t.Star)
            {
                segments.Add(new Segment([.. current], comparison));
                current.Clear();
            }
            else
                current.Add(t);
        }
        segments.Add(new Segment([.. current], comparison));
        return [.. segments];
    }
}
