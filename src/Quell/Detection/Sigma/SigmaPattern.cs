using System.Text;

namespace Quell.Detection.Sigma;

/// <summary>
/// A Sigma string value with its wildcards: <c>*</c> any run of characters, <c>?</c> one character. A backslash
/// escapes only <c>*</c>, <c>?</c> and itself; before any other character it is a plain backslash (so
/// <c>C:\Windows\</c> needs no doubling), as in the Sigma specification and pySigma's SigmaString.
/// </summary>
public sealed class SigmaPattern
{
    /// <summary>Tokens: literal text, or null for <c>*</c>, or "\0?" for <c>?</c> (see <see cref="IsOne"/>).</summary>
    readonly List<Token> _tokens;

    internal readonly record struct Token(string? Literal, bool Star)
    {
        public bool IsOne => Literal is null && !Star;
    }

    SigmaPattern(List<Token> tokens) => _tokens = Normalize(tokens);

    internal IReadOnlyList<Token> Tokens => _tokens;

    public static SigmaPattern Parse(string value)
    {
        var tokens = new List<Token>();
        var literal = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '\\' && i + 1 < value.Length && value[i + 1] is '*' or '?' or '\\')
            {
                literal.Append(value[++i]);
                continue;
            }
            if (c is '*' or '?')
            {
                Flush(tokens, literal);
                tokens.Add(new Token(null, c == '*'));
                continue;
            }
            literal.Append(c);
        }
        Flush(tokens, literal);
        return new SigmaPattern(tokens);
    }

    /// <summary>A pattern matching exactly this text (no wildcards).</summary>
    public static SigmaPattern Literal(string text) => new(text.Length == 0 ? [] : [new Token(text, false)]);

    /// <summary>Escapes text so that <see cref="Parse"/> reads it back literally.</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("*", "\\*", StringComparison.Ordinal).Replace("?", "\\?", StringComparison.Ordinal);

    static void Flush(List<Token> tokens, StringBuilder literal)
    {
        if (literal.Length == 0)
            return;
        tokens.Add(new Token(literal.ToString(), false));
        literal.Clear();
    }

    static List<Token> Normalize(List<Token> tokens)
    {
        var result = new List<Token>(tokens.Count);
        foreach (var t in tokens)
        {
            if (t.Star && result.Count > 0 && result[^1].Star)
                continue;
            result.Add(t);
        }
        return result;
    }

    public bool HasWildcards => _tokens.Any(t => t.Literal is null);

    /// <summary>The text when the pattern has no wildcards.</summary>
    public string? PlainText => HasWildcards ? null : string.Concat(_tokens.Select(t => t.Literal));

    public SigmaPattern Contains() => With(true, true);

    public SigmaPattern StartsWith() => With(false, true);

    public SigmaPattern EndsWith() => With(true, false);

    SigmaPattern With(bool starBefore, bool starAfter)
    {
        var tokens = new List<Token>(_tokens.Count + 2);
        if (starBefore)
            tokens.Add(new Token(null, true));
        tokens.AddRange(_tokens);
        if (starAfter)
            tokens.Add(new Token(null, true));
        return new SigmaPattern(tokens);
    }

    /// <summary>The longest literal run: text that every match must contain (null if there is none).</summary>
    public string? LongestLiteral()
    {
        string? best = null;
        foreach (var t in _tokens)
            if (t.Literal is { } l && (best is null || l.Length > best.Length))
                best = l;
        return best;
    }

    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var t in _tokens)
            sb.Append(t.Literal is { } l ? Escape(l) : t.Star ? "*" : "?");
        return sb.ToString();
    }
}
