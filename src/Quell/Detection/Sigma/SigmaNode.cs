using System.Buffers;

namespace Quell.Detection.Sigma;

/// <summary>A compiled condition: boolean operators over field tests. Evaluation is pure and never throws.</summary>
internal abstract class SigmaNode
{
    public static readonly SigmaNode False = new Constant(false);

    public abstract bool Evaluate(ISigmaEvent e);

    /// <summary>The field names a condition tests, or null when it also tests keywords (any field).</summary>
    public static string[]? FieldNames(SigmaNode node)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        bool Walk(SigmaNode n) => n switch
        {
            Field f => names.Add(f.Name) || true,
            Keywords => false,
            And a => a.Children.All(Walk),
            Or o => o.Children.All(Walk),
            AtLeast l => l.Children.All(Walk),
            Not x => Walk(x.Child),
            _ => true,
        };
        return Walk(node) ? [.. names] : null;
    }

    /// <summary>Every field test of a condition, keywords or not (for resolving their fields per rule set).</summary>
    public static IEnumerable<Field> FieldTests(SigmaNode node) => node switch
    {
        Field f => [f],
        And a => a.Children.SelectMany(FieldTests),
        Or o => o.Children.SelectMany(FieldTests),
        AtLeast l => l.Children.SelectMany(FieldTests),
        Not x => FieldTests(x.Child),
        _ => [],
    };

    internal sealed class Constant(bool value) : SigmaNode
    {
        public bool Value => value;

        public override bool Evaluate(ISigmaEvent e) => value;
    }

    internal sealed class And(SigmaNode[] children) : SigmaNode
    {
        public SigmaNode[] Children => children;

        public override bool Evaluate(ISigmaEvent e)
        {
            foreach (var c in children)
                if (!c.Evaluate(e))
                    return false;
            return true;
        }
    }

    internal sealed class Or(SigmaNode[] children) : SigmaNode
    {
        public SigmaNode[] Children => children;

        public override bool Evaluate(ISigmaEvent e)
        {
            foreach (var c in children)
                if (c.Evaluate(e))
                    return true;
            return false;
        }
    }

    internal sealed class AtLeast(int count, SigmaNode[] children) : SigmaNode
    {
        public SigmaNode[] Children => children;

        public override bool Evaluate(ISigmaEvent e)
        {
            var hits = 0;
            foreach (var c in children)
                if (c.Evaluate(e) && ++hits >= count)
                    return true;
            return false;
        }
    }

    internal sealed class Not(SigmaNode child) : SigmaNode
    {
        public SigmaNode Child => child;

        public override bool Evaluate(ISigmaEvent e) => !child.Evaluate(e);
    }

    /// <summary>
    /// One field and its values: any value matches (all of them with <c>|all</c>). A missing field fails every value
    /// test except <c>null</c> and <c>|exists: false</c>, so <c>not</c> of it holds, as in SIEM backends' queries.
    /// </summary>
    internal sealed class Field : SigmaNode
    {
        readonly string _name;
        readonly int _id;
        readonly SigmaValueMatcher[] _matchers;
        readonly bool _all;
        // Evaluation only (Matchers stays as written, for the prefilter): a list of case-insensitive `contains` values
        // ORed together is one vectorised multi-string search instead of one search per value (decision 197).
        readonly SearchValues<string>? _anyContains;
        readonly SigmaValueMatcher[] _rest;

        public Field(string name, SigmaValueMatcher[] matchers, bool all)
        {
            _name = name;
            _id = SigmaFieldIds.Of(name);
            _matchers = matchers;
            _all = all;
            _rest = matchers;
            if (all)
                return;
            var literals = matchers.Select(m => (m as SigmaValueMatcher.Text)?.Matcher.ContainsIgnoringCase).ToArray();
            if (literals.Count(l => l is not null) < 2)
                return;
            _anyContains = SearchValues.Create([.. literals.OfType<string>().Distinct(StringComparer.Ordinal)], StringComparison.OrdinalIgnoreCase);
            _rest = [.. matchers.Where((_, i) => literals[i] is null)];
        }

        public string Name => _name;

        /// <summary>The name's <see cref="SigmaFieldIds"/> id.</summary>
        public int Id => _id;

        public SigmaValueMatcher[] Matchers => _matchers;

        public bool All => _all;

        public override bool Evaluate(ISigmaEvent e)
        {
            var found = e.TryGetField(_id, _name, out var value);
            if (_matchers.Length == 0)
                return false;
            if (_all)
            {
                foreach (var m in _matchers)
                    if (!m.Matches(found, value, e))
                        return false;
                return true;
            }
            if (_anyContains is not null && found && ContainsAny(value, _anyContains))
                return true;
            foreach (var m in _rest)
                if (m.Matches(found, value, e))
                    return true;
            return false;
        }

        /// <summary>As <see cref="SigmaValueMatcher.Scalar"/> reads a value: a scalar, or any scalar item of an array.</summary>
        static bool ContainsAny(SigmaValue value, SearchValues<string> search)
        {
            if (value.Kind == SigmaValueKind.Array)
            {
                foreach (var item in value.Items!)
                    if (item.IsScalar && item.Text.AsSpan().ContainsAny(search))
                        return true;
                return false;
            }
            return value.IsScalar && value.Text.AsSpan().ContainsAny(search);
        }
    }

    /// <summary>Keywords: any value matches any scalar value of the event (all values with <c>|all</c>).</summary>
    internal sealed class Keywords(SigmaValueMatcher[] matchers, bool all) : SigmaNode
    {
        public SigmaValueMatcher[] Matchers => matchers;

        public bool All => all;

        public override bool Evaluate(ISigmaEvent e)
        {
            if (matchers.Length == 0)
                return false;
            if (all)
            {
                foreach (var m in matchers)
                    if (!AnyValue(m, e))
                        return false;
                return true;
            }
            // One pass over the event's values, every keyword tested on each.
            foreach (var v in e.AllValues)
                foreach (var m in matchers)
                    if (m.Matches(true, v, e))
                        return true;
            return false;
        }

        static bool AnyValue(SigmaValueMatcher m, ISigmaEvent e)
        {
            foreach (var v in e.AllValues)
                if (m.Matches(true, v, e))
                    return true;
            return false;
        }
    }
}
