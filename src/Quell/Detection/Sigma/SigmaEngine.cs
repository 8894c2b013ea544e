using System.Collections.Concurrent;

namespace Quell.Detection.Sigma;

/// <summary>
/// Compiled rules, matched many times. Rules are grouped by the log sources they apply to; per group and field, the
/// texts the rules need (their prefilter groups, see <see cref="SigmaTrigger"/>) are merged into one Aho-Corasick
/// automaton, so an event is scanned once per field and only the rules all of whose groups are hit are evaluated.
/// Thread-safe; each thread matches through its own <see cref="SigmaMatcher"/>.
/// </summary>
public sealed class SigmaEngine
{
    readonly SigmaRule[] _rules;
    // Lazy: a rule set for a new log source takes seconds and hundreds of MB to build (all rules, for an event whose
    // source is unknown); without it every thread matching such an event at the same moment built its own copy.
    readonly ConcurrentDictionary<string, Lazy<RuleSet>> _sets = new();

    public SigmaEngine(IEnumerable<SigmaRule> rules) => _rules = [.. rules];

    public IReadOnlyList<SigmaRule> Rules => _rules;

    public SigmaMatcher CreateMatcher() => new(this);

    internal RuleSet SetFor(SigmaEventLogsource logsource) =>
        _sets.GetOrAdd(logsource.Key, _ => new Lazy<RuleSet>(() => new RuleSet([.. _rules.Where(r => logsource.Accepts(r.Logsource))]))).Value;

    internal sealed class RuleSet
    {
        public RuleSet(SigmaRule[] rules)
        {
            Rules = rules;
            var byField = new Dictionary<string, (List<string> Needles, Dictionary<string, int> Ids, List<List<int>> Groups)>(StringComparer.OrdinalIgnoreCase);
            var always = new List<int>();
            var groupRule = new List<int>();
            RuleGroups = new int[rules.Length];
            for (var r = 0; r < rules.Length; r++)
            {
                var trigger = SigmaTrigger.Of(rules[r].Detection);
                if (trigger is null)
                {
                    always.Add(r);
                    continue;
                }
                RuleGroups[r] = trigger.Count;
                foreach (var group in trigger)
                {
                    var g = groupRule.Count;
                    groupRule.Add(r);
                    foreach (var (field, needle) in group)
                    {
                        if (!byField.TryGetValue(field, out var f))
                            byField[field] = f = ([], new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase), []);
                        var key = needle.Length > AhoCorasick.MaxNeedleLength ? needle[..AhoCorasick.MaxNeedleLength] : needle;
                        if (!f.Ids.TryGetValue(key, out var id))
                        {
                            f.Ids[key] = id = f.Needles.Count;
                            f.Needles.Add(key);
                            f.Groups.Add([]);
                        }
                        if (f.Groups[id].Count == 0 || f.Groups[id][^1] != g)
                            f.Groups[id].Add(g);
                    }
                }
            }
            Always = [.. always];
            GroupRule = [.. groupRule];
            Fields = [.. byField.Select(f => new FieldScan(f.Key == SigmaTrigger.AnyField ? SigmaTrigger.AnyField : f.Key, new AhoCorasick(f.Value.Needles), [.. f.Value.Groups.Select(l => l.ToArray())]))];
        }

        public SigmaRule[] Rules { get; }

        public FieldScan[] Fields { get; }

        /// <summary>Rules without a prefilter, evaluated for every event.</summary>
        public int[] Always { get; }

        /// <summary>The rule of each prefilter group.</summary>
        public int[] GroupRule { get; }

        /// <summary>How many groups of each rule must be hit before it is evaluated.</summary>
        public int[] RuleGroups { get; }
    }

    /// <summary>One field's automaton; per needle, the prefilter groups it belongs to.</summary>
    internal sealed record FieldScan(string Field, AhoCorasick Automaton, int[][] NeedleGroups);
}

/// <summary>One thread's matching state (scratch buffers); not thread-safe.</summary>
public sealed class SigmaMatcher
{
    readonly SigmaEngine _engine;
    readonly List<int> _found = [];
    readonly List<int> _candidates = [];
    // Rule sets by log source instance (interned by SigmaLogsources): no key hashing per event.
    readonly Dictionary<SigmaEventLogsource, SigmaEngine.RuleSet> _sets = new(ReferenceEqualityComparer.Instance);
    int[] _stamp = [];
    int[] _hits = [];
    int[] _groupStamp = [];
    int _generation;
    // A needle often occurs many times in a value (a backslash in a path): its rules are visited once per scan.
    int[] _needleStamp = [];
    int _needleGeneration;

    internal SigmaMatcher(SigmaEngine engine) => _engine = engine;

    /// <summary>Adds the rules that match the event to <paramref name="matches"/>, in load order; returns how many.</summary>
    public int Match(ISigmaEvent e, List<SigmaRule> matches)
    {
        if (Select(e) is not { } set)
            return 0;
        var count = 0;
        foreach (var r in _candidates)
        {
            var rule = set.Rules[r];
            if (rule.Matches(e))
            {
                matches.Add(rule);
                count++;
            }
        }
        return count;
    }

    /// <summary>The rules the prefilter selects for evaluation (for profiling).</summary>
    internal void Candidates(ISigmaEvent e, List<SigmaRule> candidates)
    {
        if (Select(e) is { } set)
            foreach (var r in _candidates)
                candidates.Add(set.Rules[r]);
    }

    /// <summary>The event's rule set, with the indexes of its rules that the prefilter selects in <see cref="_candidates"/>, in load order.</summary>
    SigmaEngine.RuleSet? Select(ISigmaEvent e)
    {
        if (!_sets.TryGetValue(e.Logsource, out var set))
            _sets[e.Logsource] = set = _engine.SetFor(e.Logsource);
        if (set.Rules.Length == 0)
            return null;
        if (_stamp.Length < set.Rules.Length)
        {
            _stamp = new int[_engine.Rules.Count];
            _hits = new int[_engine.Rules.Count];
        }
        if (_groupStamp.Length < set.GroupRule.Length)
            _groupStamp = new int[set.GroupRule.Length];
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            Array.Clear(_groupStamp);
            _generation = 1;
        }
        _candidates.Clear();
        foreach (var scan in set.Fields)
        {
            _found.Clear();
            if (_needleStamp.Length < scan.NeedleGroups.Length)
                _needleStamp = new int[scan.NeedleGroups.Length];
            if (++_needleGeneration == int.MaxValue)
            {
                Array.Clear(_needleStamp);
                _needleGeneration = 1;
            }
            if (ReferenceEquals(scan.Field, SigmaTrigger.AnyField))
            {
                foreach (var value in e.AllValues)
                    Scan(scan.Automaton, value);
            }
            else if (e.TryGetValue(scan.Field, out var value))
                Scan(scan.Automaton, value);
            else
                continue;
            foreach (var needle in _found)
                foreach (var g in scan.NeedleGroups[needle])
                {
                    if (_groupStamp[g] == _generation)
                        continue;
                    _groupStamp[g] = _generation;
                    var r = set.GroupRule[g];
                    if (_stamp[r] != _generation)
                    {
                        _stamp[r] = _generation;
                        _hits[r] = 0;
                    }
                    if (++_hits[r] == set.RuleGroups[r])
                        _candidates.Add(r);
                }
        }
        foreach (var r in set.Always)
            _candidates.Add(r);
        _candidates.Sort();
        return set;
    }

    void Scan(AhoCorasick automaton, SigmaValue value)
    {
        if (value.Kind == SigmaValueKind.String
            || (value.Kind == SigmaValueKind.Number && automaton.CanMatchNumbers)
            || (value.Kind == SigmaValueKind.Boolean && automaton.CanMatchBooleans))
            automaton.Search(value.Text, _found, _needleStamp, _needleGeneration);
        else if (value.Kind == SigmaValueKind.Array)
            foreach (var item in value.Items!)
                Scan(automaton, item);
    }
}
