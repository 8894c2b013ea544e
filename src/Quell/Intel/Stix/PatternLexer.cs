using System.Text;
using System.Text.RegularExpressions;

namespace Quell.Intel.Stix;

enum TokenKind { End, LBracket, RBracket, LParen, RParen, Colon, Dot, Comma, Star, Operator, Word, String, Int, Float, Hex, Binary, Timestamp }

/// <summary>A token: its kind, its decoded text, and where it starts in the pattern.</summary>
readonly record struct Token(TokenKind Kind, string Text, int Offset);

/// <summary>Splits STIX pattern text into tokens (the lexer rules of the STIX 2.1 patterning grammar).</summary>
static partial class PatternLexer
{
    [GeneratedRegex(@"^\d{4}-(0[1-9]|1[012])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?Z$", RegexOptions.CultureInvariant)]
    private static partial Regex TimestampRegex();

    [GeneratedRegex(@"^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Base64Regex();

    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (true)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i])))
                i++;
            if (i >= text.Length)
            {
                tokens.Add(new Token(TokenKind.End, "", i));
                return tokens;
            }
            var start = i;
            var c = text[i];
            switch (c)
            {
                case '[': tokens.Add(new(TokenKind.LBracket, "[", i++)); continue;
                case ']': tokens.Add(new(TokenKind.RBracket, "]", i++)); continue;
                case '(': tokens.Add(new(TokenKind.LParen, "(", i++)); continue;
                case ')': tokens.Add(new(TokenKind.RParen, ")", i++)); continue;
                case ':': tokens.Add(new(TokenKind.Colon, ":", i++)); continue;
                case ',': tokens.Add(new(TokenKind.Comma, ",", i++)); continue;
                case '*': tokens.Add(new(TokenKind.Star, "*", i++)); continue;
                case '=': tokens.Add(new(TokenKind.Operator, "=", i++)); continue;
                case '!':
                    if (i + 1 < text.Length && text[i + 1] == '=')
                    {
                        tokens.Add(new(TokenKind.Operator, "!=", i));
                        i += 2;
                        continue;
                    }
                    throw new StixPatternException(i, "'!' must be followed by '=' (the operator is !=)");
                case '<' or '>':
                    var op = i + 1 < text.Length && text[i + 1] == '=' ? c + "=" : c.ToString();
                    tokens.Add(new(TokenKind.Operator, op, i));
                    i += op.Length;
                    continue;
                case '\'':
                    tokens.Add(new(TokenKind.String, ReadString(text, ref i), start));
                    continue;
            }
            if ((c is 'h' or 'b' or 't') && i + 1 < text.Length && text[i + 1] == '\'')
            {
                i++;
                var body = ReadString(text, ref i);
                var kind = c switch { 'h' => TokenKind.Hex, 'b' => TokenKind.Binary, _ => TokenKind.Timestamp };
                var valid = kind switch
                {
                    TokenKind.Hex => body.Length % 2 == 0 && body.All(char.IsAsciiHexDigit),
                    TokenKind.Binary => Base64Regex().IsMatch(body),
                    _ => TimestampRegex().IsMatch(body) && DateTimeOffset.TryParse(body.Replace("T23:59:60", "T23:59:59", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out _),
                };
                if (!valid)
                    throw new StixPatternException(start, kind switch
                    {
                        TokenKind.Hex => "a hex constant h'...' holds an even number of hexadecimal digits",
                        TokenKind.Binary => "a binary constant b'...' holds base64",
                        _ => $"a timestamp constant is t'YYYY-MM-DDTHH:MM:SS[.s]Z' (UTC); got t'{IndicatorNormalizer.Printable(body)}'",
                    });
                tokens.Add(new(kind, body, start));
                continue;
            }
            if (char.IsAsciiDigit(c) || ((c is '+' or '-' or '.') && i + 1 < text.Length && (char.IsAsciiDigit(text[i + 1]) || text[i + 1] == '.')))
            {
                tokens.Add(ReadNumber(text, ref i));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] is '_' or '-'))
                    i++;
                tokens.Add(new(TokenKind.Word, text[start..i], start));
                continue;
            }
            if (c == '.')
            {
                tokens.Add(new(TokenKind.Dot, ".", i++));
                continue;
            }
            throw new StixPatternException(i, $"unexpected character '{IndicatorNormalizer.Printable(c.ToString())}'");
        }
    }

    /// <summary>A quoted string from the quote at <paramref name="i"/>; only \' and \\ are escapes (§9.2).</summary>
    static string ReadString(string text, ref int i)
    {
        var start = i;
        i++;
        var sb = new StringBuilder();
        while (i < text.Length)
        {
            var c = text[i];
            if (c == '\'')
            {
                i++;
                return sb.ToString();
            }
            if (c == '\\')
            {
                if (i + 1 < text.Length && text[i + 1] is '\\' or '\'')
                {
                    sb.Append(text[i + 1]);
                    i += 2;
                    continue;
                }
                throw new StixPatternException(i, "in a string constant a backslash escapes only ' and \\ (write \\\\ for a backslash)");
            }
            sb.Append(c);
            i++;
        }
        throw new StixPatternException(start, "the string constant is not closed by a quote");
    }

    static Token ReadNumber(string text, ref int i)
    {
        var start = i;
        if (text[i] is '+' or '-')
            i++;
        var digitsStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
            i++;
        var intDigits = i - digitsStart;
        var isFloat = false;
        if (i < text.Length && text[i] == '.')
        {
            isFloat = true;
            i++;
            var frac = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
                i++;
            if (i == frac)
                throw new StixPatternException(start, "a decimal number needs digits after the '.'");
        }
        if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
            throw new StixPatternException(start, $"'{IndicatorNormalizer.Printable(text[start..Math.Min(text.Length, i + 1)])}' is not a number");
        if (!isFloat && intDigits > 1 && text[digitsStart] == '0')
            throw new StixPatternException(start, "an integer has no leading zeros");
        return new Token(isFloat ? TokenKind.Float : TokenKind.Int, text[start..i], start);
    }
}
