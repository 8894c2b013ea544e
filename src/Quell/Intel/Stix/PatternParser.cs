using System.Globalization;

namespace Quell.Intel.Stix;

/// <summary>
/// Parses STIX 2.1 patterns (STIX 2.1 part 9) into <see cref="ObservationExpression"/> trees. Precedence, loosest
/// first: FOLLOWEDBY, OR, AND between observations; OR, AND between comparisons; qualifiers bind to the observation
/// expression before them. Patterns come from untrusted feeds: length and nesting depth are limited, and every error
/// names the character offset.
/// </summary>
public sealed class PatternParser
{
    /// <summary>Longer patterns are refused; real ones are a few hundred characters.</summary>
    public const int MaxLength = 65536;

    /// <summary>Nesting of brackets and parentheses; deeper patterns are refused before recursion can exhaust the stack.</summary>
    public const int MaxDepth = 64;

    static readonly HashSet<string> Keywords =
    [
        "AND", "OR", "NOT", "FOLLOWEDBY", "LIKE", "MATCHES", "ISSUPERSET", "ISSUBSET", "EXISTS", "LAST", "IN", "START", "STOP",
        "SECONDS", "TRUE", "FALSE", "WITHIN", "REPEATS", "TIMES",
    ];

    readonly List<Token> _tokens;
    int _pos;
    int _depth;

    PatternParser(List<Token> tokens) => _tokens = tokens;

    /// <summary>The pattern's tree; throws <see cref="StixPatternException"/> with the offset when it is not valid.</summary>
    public static ObservationExpression Parse(string pattern)
    {
        if (pattern.Length > MaxLength)
            throw new StixPatternException(MaxLength, $"the pattern is {pattern.Length} characters long; at most {MaxLength} are accepted");
        var parser = new PatternParser(PatternLexer.Tokenize(pattern));
        if (parser.Peek.Kind == TokenKind.End)
            throw new StixPatternException(0, "the pattern is empty");
        var result = parser.Observations();
        if (parser.Peek.Kind != TokenKind.End)
            throw parser.Unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern");
        return result;
    }

    /// <summary>The pattern's tree, or null with <paramref name="error"/> saying where and why it is not valid.</summary>
    public static ObservationExpression? TryParse(string pattern, out StixPatternException? error)
    {
        try
        {
            error = null;
            return Parse(pattern);
        }
        catch (StixPatternException e)
        {
            error = e;
            return null;
        }
    }

    Token Peek => _tokens[_pos];
    Token Next() => _tokens[_pos++];
    bool IsWord(string word) => Peek.Kind == TokenKind.Word && Peek.Text == word;

    ObservationExpression Observations() => Join("FOLLOWEDBY", () => Join("OR", () => Join("AND", ObservationPrimary)));

    T Join<T>(string keyword, Func<T> operand) where T : class
    {
        var first = operand();
        if (!IsWord(keyword))
            return first;
        var items = new List<T> { first };
        while (IsWord(keyword))
        {
            Next();
            items.Add(operand());
        }
        return typeof(T) == typeof(ObservationExpression)
            ? (T)(object)new ObservationJoin(keyword, items.Cast<ObservationExpression>().ToList())
            : (T)(object)new ComparisonJoin(keyword, items.Cast<ComparisonExpression>().ToList());
    }

    ObservationExpression ObservationPrimary()
    {
        ObservationExpression expr;
        var open = Peek;
        if (open.Kind == TokenKind.LBracket)
        {
            Enter(open);
            Next();
            var comparison = Comparisons();
            Expect(TokenKind.RBracket, "']' closing the observation opened at offset " + open.Offset.ToString(CultureInfo.InvariantCulture));
            _depth--;
            expr = new Observation(comparison);
        }
        else if (open.Kind == TokenKind.LParen)
        {
            Enter(open);
            Next();
            expr = Observations();
            Expect(TokenKind.RParen, "')' closing the parenthesis opened at offset " + open.Offset.ToString(CultureInfo.InvariantCulture));
            _depth--;
        }
        else
            throw Unexpected("'[' starting an observation or '('");
        while (Peek.Kind == TokenKind.Word && Peek.Text is "WITHIN" or "REPEATS" or "START")
            expr = new Qualified(expr, Qualifier());
        return expr;
    }

    Qualifier Qualifier()
    {
        var word = Next();
        switch (word.Text)
        {
            case "WITHIN":
                var n = Next();
                if (n.Kind is not (TokenKind.Int or TokenKind.Float) || !decimal.TryParse(n.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds <= 0)
                    throw new StixPatternException(n.Offset, "WITHIN takes a positive number of seconds");
                ExpectWord("SECONDS", "WITHIN n SECONDS");
                return new WithinQualifier(seconds);
            case "REPEATS":
                var r = Next();
                if (r.Kind != TokenKind.Int || !long.TryParse(r.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var times) || times <= 0)
                    throw new StixPatternException(r.Offset, "REPEATS takes a positive integer");
                ExpectWord("TIMES", "REPEATS n TIMES");
                return new RepeatsQualifier(times);
            default:
                var start = Next();
                if (start.Kind != TokenKind.Timestamp)
                    throw new StixPatternException(start.Offset, "START takes a timestamp t'YYYY-MM-DDTHH:MM:SSZ'");
                ExpectWord("STOP", "START t'...' STOP t'...'");
                var stop = Next();
                if (stop.Kind != TokenKind.Timestamp)
                    throw new StixPatternException(stop.Offset, "STOP takes a timestamp t'YYYY-MM-DDTHH:MM:SSZ'");
                if (string.CompareOrdinal(Normalize(start.Text), Normalize(stop.Text)) >= 0)
                    throw new StixPatternException(stop.Offset, "STOP must be later than START");
                return new StartStopQualifier(new Constant(ConstantKind.Timestamp, start.Text), new Constant(ConstantKind.Timestamp, stop.Text));
        }

        // Fixed-width text compares like the time; fractional digits are padded so ".5" and ".50" agree.
        static string Normalize(string t) => t.Contains('.', StringComparison.Ordinal) ? t[..^1].PadRight(30, '0') : t[..^1] + ".".PadRight(11, '0');
    }

    ComparisonExpression Comparisons() => Join("OR", () => Join("AND", Test));

    ComparisonExpression Test()
    {
        var t = Peek;
        if (t.Kind == TokenKind.LParen)
        {
            Enter(t);
            Next();
            var inner = Comparisons();
            Expect(TokenKind.RParen, "')' closing the parenthesis opened at offset " + t.Offset.ToString(CultureInfo.InvariantCulture));
            _depth--;
            return inner;
        }
        if (IsWord("EXISTS"))
        {
            Next();
            return new ExistsTest(Path());
        }
        var path = Path();
        var negated = false;
        if (IsWord("NOT"))
        {
            Next();
            negated = true;
        }
        var op = Next();
        var name = op.Kind == TokenKind.Operator ? op.Text
            : op.Kind == TokenKind.Word && op.Text is "IN" or "LIKE" or "MATCHES" or "ISSUBSET" or "ISSUPERSET" ? op.Text
            : throw new StixPatternException(op.Offset, $"expected a comparison operator (= != < <= > >= IN LIKE MATCHES ISSUBSET ISSUPERSET) after {path}, found {Describe(op)}");
        var valueToken = Peek;
        var value = name == "IN" ? Set() : Literal();
        var ok = name switch
        {
            "=" or "!=" => value.Kind != ConstantKind.Set,
            "<" or ">" or "<=" or ">=" => value.Kind is not (ConstantKind.Set or ConstantKind.Bool),
            "IN" => true,
            _ => value.Kind == ConstantKind.String,
        };
        if (!ok)
            throw new StixPatternException(valueToken.Offset, name switch
            {
                "<" or ">" or "<=" or ">=" => $"{name} compares with a string, number, binary, hex or timestamp constant",
                "=" or "!=" => $"{name} compares with a single constant; use IN for a set",
                _ => $"{name} takes a string constant",
            });
        return new PropertyTest(path, name, negated, value);
    }

    ObjectPath Path()
    {
        var type = Next();
        if (type.Kind != TokenKind.Word || Keywords.Contains(type.Text))
            throw new StixPatternException(type.Offset, $"expected an object path such as file:name, found {Describe(type)}");
        if (type.Text.Length is < 3 or > 250 || !type.Text.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))
            throw new StixPatternException(type.Offset, $"'{IndicatorNormalizer.Printable(type.Text)}' is not an object type (3-250 lower-case letters, digits and '-')");
        Expect(TokenKind.Colon, "':' between the object type and its property");
        var steps = new List<PathStep> { PropertyStep() };
        while (true)
        {
            if (Peek.Kind == TokenKind.Dot)
            {
                Next();
                steps.Add(PropertyStep());
            }
            else if (Peek.Kind == TokenKind.LBracket)
            {
                Next();
                var index = Next();
                if (index.Kind == TokenKind.Star)
                    steps.Add(PathStep.At(null));
                else if (index.Kind == TokenKind.Int && long.TryParse(index.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var at))
                    steps.Add(PathStep.At(at));
                else
                    throw new StixPatternException(index.Offset, "a list index is an integer or *");
                Expect(TokenKind.RBracket, "']' closing the list index");
            }
            else
                return new ObjectPath(type.Text, steps);
        }
    }

    PathStep PropertyStep()
    {
        var t = Next();
        if (t.Kind == TokenKind.String)
            return PathStep.Property(t.Text);
        if (t.Kind == TokenKind.Word && !t.Text.Contains('-', StringComparison.Ordinal))
            return PathStep.Property(t.Text);
        if (t.Kind == TokenKind.Word)
            throw new StixPatternException(t.Offset, $"the property name '{IndicatorNormalizer.Printable(t.Text)}' has a '-'; quote it: {PatternText.Quote(t.Text)}");
        throw new StixPatternException(t.Offset, $"expected a property name, found {Describe(t)}");
    }

    Constant Set()
    {
        var open = Next();
        if (open.Kind != TokenKind.LParen)
            throw new StixPatternException(open.Offset, "IN takes a set of constants in parentheses: ('a', 'b')");
        var items = new List<Constant>();
        if (Peek.Kind != TokenKind.RParen)
        {
            items.Add(Literal());
            while (Peek.Kind == TokenKind.Comma)
            {
                Next();
                items.Add(Literal());
            }
        }
        Expect(TokenKind.RParen, "')' closing the set");
        return new Constant(ConstantKind.Set, "", items);
    }

    Constant Literal()
    {
        var t = Next();
        return t.Kind switch
        {
            TokenKind.String => new Constant(ConstantKind.String, t.Text),
            TokenKind.Int => new Constant(ConstantKind.Int, t.Text),
            TokenKind.Float => new Constant(ConstantKind.Float, t.Text),
            TokenKind.Hex => new Constant(ConstantKind.Hex, t.Text),
            TokenKind.Binary => new Constant(ConstantKind.Binary, t.Text),
            TokenKind.Timestamp => new Constant(ConstantKind.Timestamp, t.Text),
            TokenKind.Word when t.Text.Equals("true", StringComparison.OrdinalIgnoreCase) => new Constant(ConstantKind.Bool, "true"),
            TokenKind.Word when t.Text.Equals("false", StringComparison.OrdinalIgnoreCase) => new Constant(ConstantKind.Bool, "false"),
            _ => throw new StixPatternException(t.Offset, $"expected a constant ('string', number, true/false, h'hex', b'base64', t'timestamp'), found {Describe(t)}"),
        };
    }

    void Enter(Token t)
    {
        if (++_depth > MaxDepth)
            throw new StixPatternException(t.Offset, $"brackets and parentheses are nested more than {MaxDepth} deep");
    }

    void Expect(TokenKind kind, string what)
    {
        if (Peek.Kind != kind)
            throw Unexpected(what);
        Next();
    }

    void ExpectWord(string word, string form)
    {
        var t = Next();
        if (t.Kind != TokenKind.Word || t.Text != word)
            throw new StixPatternException(t.Offset, $"expected {word} ({form}), found {Describe(t)}");
    }

    StixPatternException Unexpected(string expected)
    {
        var t = Peek;
        var hint = t.Kind == TokenKind.Word && Keywords.Contains(t.Text.ToUpperInvariant()) && !Keywords.Contains(t.Text) ? $"; keywords are upper-case ({t.Text.ToUpperInvariant()})" : "";
        return new StixPatternException(t.Offset, $"expected {expected}, found {Describe(t)}{hint}");
    }

    static string Describe(Token t) => t.Kind switch
    {
        TokenKind.End => "the end of the pattern",
        TokenKind.String => "the string " + PatternText.Quote(IndicatorNormalizer.Printable(t.Text)),
        _ => "'" + IndicatorNormalizer.Printable(t.Text) + "'",
    };
}
