using System.Collections.Concurrent;

namespace Quell.Detection.Sigma;

/// <summary>
/// Compiled rules, matched many times. Rules are grouped by the log sources they apply to; per group and field, the
/// text every rule needs (its prefilter "trigger", see <see cref="SigmaTrigger"/>) is merged into one Aho-Corasick
/// automaton, so an event is scanned once per field and only the rules whose needles occur are evaluated.
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
            var byField = new Dictionary<string, (List<string> Needles, Dictionary<string, int> Ids, List<List<int>> Rules)>(StringComparer.OrdinalIgnoreCase);
            var always = new List<int>();
            for (var r = 0; r < rules.Length; r++)
            {
                var trigger = SigmaTrigger.Of(rules[r].Detection);
                if (trigger is null)
                {
                    always.Add(r);
                    continue;
                }
                foreach (var (field, needle) in trigger)
                {
                    if (!byField.TryGetValue(field, out var f))
                        byField[field] = f = ([], new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase), []);
                    var key = needle.Length > AhoCorasick.MaxNeedleLength ? needle[..AhoCorasick.MaxNeedleLength] : needle;
                    if (!f.Ids.TryGetValue(key, out var id))
                    {
                        f.Ids[key] = id = f.Needles.Count;
                        f.Needles.Add(key);
                        f.Rules.Add([]);
                    }
                    if (f.Rules[id].Count == 0 || f.Rules[id][^1] != r)
                        f.Rules[id].Add(r);
                }
            }
            Always = [.. always];
            Fields = [.. byField.Select(f => new FieldScan(f.Key == SigmaTrigger.AnyField ? SigmaTrigger.AnyField : f.Key, new AhoCorasick(f.Value.Needles), [.. f.Value.Rules.Select(l => l.ToArray())]))];
        }

        public SigmaRule[] Rules { get; }

        public FieldScan[] Fields { get; }

        public int[] Always { get; }
    }

    internal sealed record FieldScan(string Field, AhoCorasick Automaton, int[][] NeedleRules);
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
            _stamp = new int[_engine.Rules.Count];
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            _generation = 1;
        }
        _candidates.Clear();
        foreach (var scan in set.Fields)
        {
            _found.Clear();
            if (ReferenceEquals(scan.Field, SigmaTrigger.AnyField))
            {
                foreach (var value in e.AllValues)
                    Scan(scan.Automaton, value);
            }
            else if (e.TryGetValue(scan.Field, out var value))
                Scan(scan.Automaton, value);
            else
                continue;
            if (_found.Count == 0)
                continue;
            if (_needleStamp.Length < scan.NeedleRules.Length)
                _needleStamp = new int[scan.NeedleRules.Length];
            if (++_needleGeneration == int.MaxValue)
            {
                Array.Clear(_needleStamp);
                _needleGeneration = 1;
            }
            foreach (var needle in _found)
            {
                if (_needleStamp[needle] == _needleGeneration)
                    continue;
                _needleStamp[needle] = _needleGeneration;
                foreach (var r in scan.NeedleRules[needle])
                    if (_stamp[r] != _generation)
                    {
                        _stamp[r] = _generation;
                        _candidates.Add(r);
                    }
            }
        }
        foreach (var r in set.Always)
            _candidates.Add(r);
        _candidates.Sort();
        return set;
    }

    void Scan(AhoCorasick automaton, SigmaValue value)
    {
        if (value.IsScalar)
            automaton.Search(value.Text, _found);
        else if (value.Kind == SigmaValueKind.Array)
            foreach (var item in value.Items!)
                Scan(automaton, item);
    }
}
