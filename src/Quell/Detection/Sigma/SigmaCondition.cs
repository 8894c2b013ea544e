namespace Quell.Detection.Sigma;

/// <summary>
/// Parses a Sigma condition (<c>selection and not 1 of filter_*</c>) into a tree over compiled selections.
/// Precedence: <c>not</c> over <c>and</c> over <c>or</c>; <c>x of pattern</c> binds like an identifier.
/// </summary>
internal sealed class SigmaCondition
{
    readonly List<string> _tokens;
    readonly IReadOnlyDictionary<string, SigmaNode> _selections;
    readonly int _maxDepth;
    int _pos;
    int _depth;

    SigmaCondition(List<string> tokens, IReadOnlyDictionary<string, SigmaNode> selections, int maxDepth)
    {
        _tokens = tokens;
        _selections = selections;
        _maxDepth = maxDepth;
    }

    public static SigmaNode Parse(string condition, IReadOnlyDictionary<string, SigmaNode> selections, int maxDepth = 64)
    {
        var tokens = Tokenize(condition);
        if (tokens.Count == 0)
            throw new SigmaRuleException("the condition is empty");
        var parser = new SigmaCondition(tokens, selections, maxDepth);
        var node = parser.ParseOr();
        if (parser._pos < tokens.Count)
            throw new SigmaRuleException(tokens[parser._pos] == "|"
                ? "aggregations in conditions ('| count() ...') are Sigma v1 syntax and are not supported; use a correlation rule"
                : $"unexpected '{tokens[parser._pos]}' in condition '{condition}'");
        return node;
    }

    static List<string> Tokenize(string s)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            if (c is '(' or ')' or '|')
            {
                tokens.Add(c.ToString());
                i++;
                continue;
            }
            var start = i;
            while (i < s.Length && !char.IsWhiteSpace(s[i]) && s[i] is not ('(' or ')' or '|'))
                i++;
            tokens.Add(s[start..i]);
        }
        return tokens;
    }

    string? Peek => _pos < _tokens.Count ? _tokens[_pos] : null;

    bool Accept(string keyword)
    {
        if (Peek is { } t && t.Equals(keyword, StringComparison.OrdinalIgnoreCase))
        {
            _pos++;
            return true;
        }
        return false;
    }

    SigmaNode ParseOr()
    {
        var items = new List<SigmaNode> { ParseAnd() };
        while (Accept("or"))
            items.Add(ParseAnd());
        return items.Count == 1 ? items[0] : new SigmaNode.Or([.. items]);
    }

    SigmaNode ParseAnd()
    {
        var items = new List<SigmaNode> { ParseNot() };
        while (Accept("and"))
            items.Add(ParseNot());
        return items.Count == 1 ? items[0] : new SigmaNode.And([.. items]);
    }

    SigmaNode ParseNot()
    {
        if (++_depth > _maxDepth)
            throw new SigmaRuleException($"the condition nests deeper than {_maxDepth} levels");
        try
        {
            if (Accept("not"))
                return new SigmaNode.Not(ParseNot());
            return ParsePrimary();
        }
        finally
        {
            _depth--;
        }
    }

    SigmaNode ParsePrimary()
    {
        var token = Peek ?? throw new SigmaRuleException("the condition ends where a selection was expected");
        if (token == "(")
        {
            _pos++;
            var inner = ParseOr();
            if (!Accept(")"))
                throw new SigmaRuleException("a '(' in the condition is not closed");
            return inner;
        }
        if (token is ")" or "|" || IsKeyword(token))
            throw new SigmaRuleException($"unexpected '{token}' in the condition where a selection was expected");
        _pos++;
        if (Peek is { } of && of.Equals("of", StringComparison.OrdinalIgnoreCase)
            && (token.Equals("all", StringComparison.OrdinalIgnoreCase) || int.TryParse(token, out _)))
        {
            _pos++;
            var target = Peek ?? throw new SigmaRuleException($"'{token} of' needs a selection pattern or 'them'");
            if (target is "(" or ")" or "|" || IsKeyword(target))
                throw new SigmaRuleException($"'{token} of' needs a selection pattern or 'them', not '{target}'");
            _pos++;
            var matched = Select(target);
            if (token.Equals("all", StringComparison.OrdinalIgnoreCase))
                return matched.Length == 1 ? matched[0] : new SigmaNode.And(matched);
            var count = int.Parse(token, System.Globalization.CultureInfo.InvariantCulture);
            if (count < 1)
                throw new SigmaRuleException($"'{token} of' needs a count of at least 1");
            return count == 1 ? (matched.Length == 1 ? matched[0] : new SigmaNode.Or(matched)) : new SigmaNode.AtLeast(count, matched);
        }
        if (!_selections.TryGetValue(token, out var selection))
            throw new SigmaRuleException($"the condition names '{token}', which is not a selection of the detection");
        return selection;
    }

    static bool IsKeyword(string t) =>
        t.Equals("and", StringComparison.OrdinalIgnoreCase) || t.Equals("or", StringComparison.OrdinalIgnoreCase)
        || t.Equals("not", StringComparison.OrdinalIgnoreCase) || t.Equals("of", StringComparison.OrdinalIgnoreCase);

    /// <summary>Selections named by a pattern; <c>them</c> is every selection not starting with an underscore.</summary>
    SigmaNode[] Select(string target)
    {
        List<SigmaNode> matched;
        if (target.Equals("them", StringComparison.OrdinalIgnoreCase))
            matched = [.. _selections.Where(s => !s.Key.StartsWith('_')).Select(s => s.Value)];
        else
        {
            var glob = new SigmaStringMatcher(SigmaPattern.Parse(target), cased: true);
            matched = [.. _selections.Where(s => glob.IsMatch(s.Key)).Select(s => s.Value)];
        }
        if (matched.Count == 0)
            throw new SigmaRuleException($"'{target}' in the condition matches no selection");
        return [.. matched];
    }
}
