namespace Quell.Detection.Sigma;

/// <summary>
/// A compiled <see cref="SigmaPattern"/>: exact, prefix, suffix and contains tests use vectorised span searches;
/// other shapes run a glob matcher over literal segments (no regular expressions, no backtracking explosion).
/// </summary>
internal sealed class SigmaStringMatcher
{
    enum Shape { Exact, Prefix, Suffix, Contains, Any, Glob }

    readonly Shape _shape;
    readonly string _text = "";
    readonly SigmaPattern.Token[] _tokens;
    readonly StringComparison _comparison;

    public SigmaPattern Pattern { get; }

    public StringComparison Comparison => _comparison;

    public SigmaStringMatcher(SigmaPattern pattern, bool cased)
    {
        Pattern = pattern;
        _comparison = cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        _tokens = [.. pattern.Tokens];
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
    }

    public bool IsMatch(ReadOnlySpan<char> s) => _shape switch
    {
        Shape.Exact => s.Equals(_text, _comparison),
        Shape.Prefix => s.StartsWith(_text, _comparison),
        Shape.Suffix => s.EndsWith(_text, _comparison),
        Shape.Contains => s.Contains(_text, _comparison),
        Shape.Any => true,
        _ => Glob(s, 0),
    };

    /// <summary>
    /// Matches tokens from index <paramref name="i"/> against <paramref name="s"/>. Runs of <c>?</c> are counted, a
    /// <c>*</c> followed by a literal tries each occurrence of that literal, leftmost first.
    /// </summary>
    bool Glob(ReadOnlySpan<char> s, int i)
    {
        while (i < _tokens.Length)
        {
            var t = _tokens[i];
            if (t.Literal is { } lit)
            {
                if (!s.StartsWith(lit, _comparison))
                    return false;
                s = s[lit.Length..];
                i++;
            }
            else if (!t.Star)
            {
                if (s.IsEmpty)
                    return false;
                s = s[1..];
                i++;
            }
            else
            {
                // A star: skip '?' that follow it (each needs one character), then find the next literal.
                i++;
                var ones = 0;
                while (i < _tokens.Length && _tokens[i].IsOne)
                {
                    ones++;
                    i++;
                }
                if (s.Length < ones)
                    return false;
                s = s[ones..];
                if (i == _tokens.Length)
                    return true;
                if (_tokens[i].Star)
                    continue; // "*?*": the next star takes over
                var next = _tokens[i].Literal!; // normalized: no two stars in a row
                if (i == _tokens.Length - 1)
                    return s.EndsWith(next, _comparison);
                var offset = 0;
                while (true)
                {
                    var at = s[offset..].IndexOf(next, _comparison);
                    if (at < 0)
                        return false;
                    var start = offset + at;
                    if (Glob(s[(start + next.Length)..], i + 1))
                        return true;
                    offset = start + 1;
                }
            }
        }
        return s.IsEmpty;
    }
}
