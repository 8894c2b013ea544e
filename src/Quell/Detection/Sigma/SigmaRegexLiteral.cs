using System.Text;
using System.Text.RegularExpressions;

namespace Quell.Detection.Sigma;

/// <summary>
/// The longest text every match of a regular expression contains, for the prefilter: a run of literal characters at
/// the pattern's top level (outside groups and classes), with an optional last character (<c>?</c>, <c>*</c>,
/// <c>{0,…}</c>) dropped. Conservative: a top-level <c>|</c>, the <c>x</c> option, or nothing certain gives null, and
/// the rule is then evaluated on every event of its log source, as before.
/// </summary>
internal static class SigmaRegexLiteral
{
    public static string? Of(string pattern, RegexOptions options)
    {
        if ((options & RegexOptions.IgnorePatternWhitespace) != 0)
            return null;
        // Inline options may turn on ignore-case (or x) anywhere; read them as ignore-case, and give up on x.
        var inline = pattern.Contains("(?", StringComparison.Ordinal);
        if (inline && InlineX(pattern))
            return null;
        var ignoreCase = (options & RegexOptions.IgnoreCase) != 0 || inline;
        string? best = null;
        var run = new StringBuilder();
        void End()
        {
            if (run.Length > 0 && (best is null || run.Length > best.Length))
                best = run.ToString();
            run.Clear();
        }
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            switch (c)
            {
                case '|':
                    return null;
                case '(':
                    End();
                    i = SkipGroup(pattern, i);
                    if (i < 0)
                        return null;
                    i = SkipQuantifier(pattern, i, out _);
                    continue;
                case '[':
                    End();
                    i = SkipClass(pattern, i);
                    if (i < 0)
                        return null;
                    i = SkipQuantifier(pattern, i, out _);
                    continue;
                case '.' or '^' or '$' or ')':
                    End();
                    i = SkipQuantifier(pattern, i + 1, out _);
                    continue;
                case '*' or '+' or '?' or '{':
                    return null; // a quantifier with nothing before it: not a pattern this reader understands
            }
            char literal;
            var next = i + 1;
            if (c == '\\')
            {
                if (!Escape(pattern, i, out literal, out next))
                {
                    End();
                    i = SkipQuantifier(pattern, next, out _);
                    continue;
                }
            }
            else
                literal = c;
            // Unicode case folding (Kelvin sign for k, long s for s, ...) is wider than the prefilter's: cut there.
            if (literal >= 128 || (ignoreCase && char.ToLowerInvariant(literal) is 'k' or 's'))
            {
                End();
                i = SkipQuantifier(pattern, next, out _);
                continue;
            }
            var after = SkipQuantifier(pattern, next, out var minimum);
            if (after == next)
                run.Append(literal);
            else
            {
                if (minimum > 0)
                    run.Append(literal);
                End();
            }
            i = after;
        }
        End();
        return best;
    }

    static bool InlineX(string pattern)
    {
        for (var i = pattern.IndexOf("(?", StringComparison.Ordinal); i >= 0; i = pattern.IndexOf("(?", i + 2, StringComparison.Ordinal))
            for (var j = i + 2; j < pattern.Length && (char.IsLetter(pattern[j]) || pattern[j] == '-'); j++)
                if (pattern[j] == 'x')
                    return true;
        return false;
    }

    /// <summary>An escape at <paramref name="at"/>: true with the character when it stands for one literal character.</summary>
    static bool Escape(string pattern, int at, out char literal, out int next)
    {
        literal = '\0';
        next = at + 2;
        if (at + 1 >= pattern.Length)
        {
            next = pattern.Length;
            return false;
        }
        var e = pattern[at + 1];
        switch (e)
        {
            case 'n': literal = '\n'; return true;
            case 't': literal = '\t'; return true;
            case 'r': literal = '\r'; return true;
            case 'f': literal = '\f'; return true;
            case 'v': literal = '\v'; return true;
            case 'e': literal = '\x1B'; return true;
            case 'a': literal = '\a'; return true;
            case 'x' when Hex(pattern, at + 2, 2, out literal):
                next = at + 4;
                return true;
            case 'u' when Hex(pattern, at + 2, 4, out literal):
                next = at + 6;
                return true;
        }
        if (char.IsLetterOrDigit(e))
        {
            // Classes (\d \w \s), anchors (\b \A \z), back-references (\1 \k<n>), \p{..}: no literal. Skip a {..} argument.
            if (e is 'p' or 'P' or 'k' && at + 2 < pattern.Length && pattern[at + 2] is '{' or '<' or '\'')
            {
                var close = pattern.IndexOfAny(['}', '>', '\''], at + 3);
                next = close < 0 ? pattern.Length : close + 1;
            }
            return false;
        }
        literal = e;
        return true;
    }

    static bool Hex(string pattern, int from, int digits, out char value)
    {
        value = '\0';
        if (from + digits > pattern.Length)
            return false;
        var n = 0;
        for (var k = 0; k < digits; k++)
        {
            var ch = pattern[from + k];
            var d = ch is >= '0' and <= '9' ? ch - '0' : ch is >= 'a' and <= 'f' ? ch - 'a' + 10 : ch is >= 'A' and <= 'F' ? ch - 'A' + 10 : -1;
            if (d < 0)
                return false;
            n = n * 16 + d;
        }
        value = (char)n;
        return true;
    }

    /// <summary>Past a quantifier at <paramref name="at"/> (and its lazy or possessive mark); <paramref name="minimum"/> is its least count (1 when there is none).</summary>
    static int SkipQuantifier(string pattern, int at, out int minimum)
    {
        minimum = 1;
        if (at >= pattern.Length)
            return at;
        int end;
        switch (pattern[at])
        {
            case '*' or '?':
                minimum = 0;
                end = at + 1;
                break;
            case '+':
                end = at + 1;
                break;
            case '{':
                var close = pattern.IndexOf('}', at);
                var body = close < 0 ? "" : pattern[(at + 1)..close];
                var comma = body.IndexOf(',');
                if (close < 0 || !int.TryParse(comma < 0 ? body : body[..comma], out minimum))
                {
                    minimum = 1;
                    return at; // a literal '{'; the caller reads it as text
                }
                end = close + 1;
                break;
            default:
                return at;
        }
        return end < pattern.Length && pattern[end] is '?' or '+' ? end + 1 : end;
    }

    /// <summary>Past the group opening at <paramref name="at"/>; -1 when it is not closed.</summary>
    static int SkipGroup(string pattern, int at)
    {
        var depth = 0;
        for (var i = at; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = SkipClass(pattern, i) - 1;
                    if (i < 0)
                        return -1;
                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                        return i + 1;
                    break;
            }
        }
        return -1;
    }

    /// <summary>Past the character class opening at <paramref name="at"/>; -1 when it is not closed.</summary>
    static int SkipClass(string pattern, int at)
    {
        var i = at + 1;
        if (i < pattern.Length && pattern[i] == '^')
            i++;
        if (i < pattern.Length && pattern[i] == ']')
            i++; // a leading ']' is literal
        var depth = 1;
        for (; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    depth++; // subtraction: [a-z-[aeiou]]
                    break;
                case ']':
                    if (--depth == 0)
                        return i + 1;
                    break;
            }
        }
        return -1;
    }
}
