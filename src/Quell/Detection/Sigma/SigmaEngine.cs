using System.Collections.Concurrent;
using System.Collections.Frozen;

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
        _sets.GetOrAdd(logsource.Key, _ => new Lazy<RuleSet>(() => new RuleSet([.. _rules.Where(r => logsource.Accepts(r.Logsource))], logsource))).Value;

    internal sealed class RuleSet
    {
        public RuleSet(SigmaRule[] rules, SigmaEventLogsource logsource)
        {
            Rules = rules;
            // A rule admitted only because the event's source is not known (a Zeek rule for an ECS network event) must
            // at least test a field the event has: otherwise a `not` of its selection holds on every such event.
            Requires = [.. rules.Select(r => logsource.AcceptsUnknowing(r.Logsource) ? SigmaNode.FieldNames(r.Detection) is { Length: > 0 } names ? names : null : null)];
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
            AnyFields = [.. Enumerable.Range(0, Fields.Length).Where(s => ReferenceEquals(Fields[s].Field, SigmaTrigger.AnyField))];
            // Every other field the rules test gets a slot too (after the scanned ones, without an automaton): the walk
            // over the event's fields then resolves all of them, and evaluation reads them by id (decision 212).
            var tests = rules.SelectMany(r => SigmaNode.FieldTests(r.Detection)).ToList();
            SlotNames = [.. Fields.Select(f => f.Field), .. tests.Select(t => t.Name).Distinct(StringComparer.OrdinalIgnoreCase).Where(n => !byField.ContainsKey(n))];
            var slotOf = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var s = 0; s < SlotNames.Length; s++)
                if (!ReferenceEquals(SlotNames[s], SigmaTrigger.AnyField))
                    slotOf[SlotNames[s]] = s;
            SlotOfId = new int[tests.Count == 0 ? 0 : tests.Max(t => t.Id) + 1];
            Array.Fill(SlotOfId, -1);
            foreach (var t in tests)
                SlotOfId[t.Id] = slotOf[t.Name];
            Slots = SlotsOf(SlotNames);
            RequiredSlots = [.. Requires.Select(names => names?.Select(n => slotOf[n]).ToArray())];
        }

        /// <summary>
        /// Per event field name, the indexed fields it can stand for and its rank there: 0 for the field's own name, 1 + i
        /// for its i-th alias. An indexed field reads the present name of lowest rank, as <see cref="ISigmaEvent.TryGetValue"/> does.
        /// </summary>
        static FrozenDictionary<string, FieldSlot[]> SlotsOf(string[] fields)
        {
            var slots = new Dictionary<string, List<FieldSlot>>(StringComparer.OrdinalIgnoreCase);
            void Add(string name, FieldSlot slot)
            {
                if (!slots.TryGetValue(name, out var list))
                    slots[name] = list = [];
                list.Add(slot);
            }
            for (var s = 0; s < fields.Length; s++)
            {
                if (ReferenceEquals(fields[s], SigmaTrigger.AnyField))
                    continue;
                Add(fields[s], new FieldSlot(s, 0));
                var aliases = SigmaFieldAliases.For(fields[s]);
                for (var a = 0; a < aliases.Count; a++)
                    Add(aliases[a], new FieldSlot(s, a + 1));
            }
            return slots.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        }

        public SigmaRule[] Rules { get; }

        /// <summary>Per rule, the fields of which an event must have one for the rule to apply (null: none needed).</summary>
        public string[]?[] Requires { get; }

        /// <summary>The scanned fields: slots 0 to Fields.Length − 1.</summary>
        public FieldScan[] Fields { get; }

        /// <summary>Per slot, its field name: the scanned fields, then the others the rules test.</summary>
        public string[] SlotNames { get; }

        /// <summary>Per <see cref="SigmaFieldIds"/> id of a field the rules test, its slot (−1: none).</summary>
        public int[] SlotOfId { get; }

        /// <summary><see cref="Requires"/> as slots.</summary>
        public int[]?[] RequiredSlots { get; }

        /// <summary>The indexes of the keyword scans (<see cref="SigmaTrigger.AnyField"/>) in <see cref="Fields"/>.</summary>
        public int[] AnyFields { get; }

        /// <summary>Event field name → the indexed fields it resolves (see <see cref="SlotsOf"/>).</summary>
        public FrozenDictionary<string, FieldSlot[]> Slots { get; }

        /// <summary>Rules without a prefilter, evaluated for every event.</summary>
        public int[] Always { get; }

        /// <summary>The rule of each prefilter group.</summary>
        public int[] GroupRule { get; }

        /// <summary>How many groups of each rule must be hit before it is evaluated.</summary>
        public int[] RuleGroups { get; }
    }

    /// <summary>One field's automaton; per needle, the prefilter groups it belongs to.</summary>
    internal sealed record FieldScan(string Field, AhoCorasick Automaton, int[][] NeedleGroups);

    /// <summary>An indexed field (its index in <see cref="RuleSet.Fields"/>) that an event field name resolves, and how early.</summary>
    internal readonly record struct FieldSlot(int Scan, int Rank);
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
    // The indexed fields present in the current event (stamped with _generation), the rank and value each resolved to.
    readonly List<int> _present = [];
    int[] _slotStamp = [];
    int[] _slotRank = [];
    SigmaValue[] _slotValue = [];
    // A needle often occurs many times in a value (a backslash in a path): its rules are visited once per scan.
    int[] _needleStamp = [];
    int _needleGeneration;

    readonly ResolvedEvent _resolved;

    internal SigmaMatcher(SigmaEngine engine)
    {
        _engine = engine;
        _resolved = new ResolvedEvent(this);
    }

    /// <summary>
    /// The event as the candidate rules read it: a field test's field comes from the slot the prefilter's walk over the
    /// event's fields resolved (present, with the value of lowest rank, or absent), which is what the event's own
    /// <see cref="ISigmaEvent.TryGetValue"/> finds; names the set does not know (a <c>fieldref</c>'s other field) ask
    /// the event. Valid only during <see cref="Match"/>.
    /// </summary>
    sealed class ResolvedEvent(SigmaMatcher matcher) : ISigmaEvent
    {
        ISigmaEvent _event = null!;
        int[] _slotOfId = [];

        public void Reset(ISigmaEvent? e, SigmaEngine.RuleSet? set)
        {
            _event = e!;
            _slotOfId = set?.SlotOfId ?? [];
        }

        public SigmaEventLogsource Logsource => _event.Logsource;

        public IEnumerable<SigmaValue> AllValues => _event.AllValues;

        public IReadOnlyDictionary<string, SigmaValue> Fields => _event.Fields;

        public bool TryGetValue(string field, out SigmaValue value) => _event.TryGetValue(field, out value);

        bool ISigmaEvent.TryGetField(int id, string field, out SigmaValue value)
        {
            var slot = (uint)id < (uint)_slotOfId.Length ? _slotOfId[id] : -1;
            if (slot < 0)
                return _event.TryGetValue(field, out value);
            if (matcher._slotStamp[slot] == matcher._generation)
            {
                value = matcher._slotValue[slot];
                return true;
            }
            value = default;
            return false;
        }
    }

    /// <summary>Adds the rules that match the event to <paramref name="matches"/>, in load order; returns how many.</summary>
    public int Match(ISigmaEvent e, List<SigmaRule> matches)
    {
        if (Select(e) is not { } set)
            return 0;
        _resolved.Reset(e, set);
        var count = 0;
        foreach (var r in _candidates)
        {
            var rule = set.Rules[r];
            if (set.RequiredSlots[r] is { } slots && !HasAny(slots))
                continue;
            if (rule.Matches(_resolved))
            {
                matches.Add(rule);
                count++;
            }
        }
        _resolved.Reset(null, null);
        return count;
    }

    bool HasAny(int[] slots)
    {
        foreach (var s in slots)
            if (_slotStamp[s] == _generation)
                return true;
        return false;
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
        if (_slotStamp.Length < set.SlotNames.Length)
        {
            _slotStamp = new int[set.SlotNames.Length];
            _slotRank = new int[set.SlotNames.Length];
            _slotValue = new SigmaValue[set.SlotNames.Length];
        }
        if (++_generation == int.MaxValue)
        {
            Array.Clear(_stamp);
            Array.Clear(_groupStamp);
            Array.Clear(_slotStamp);
            _generation = 1;
        }
        _candidates.Clear();
        foreach (var s in set.AnyFields)
        {
            var automaton = StartScan(set, s);
            foreach (var value in e.AllValues)
                Scan(automaton, value);
            Count(set, s);
        }
        // The event's fields (a few dozen) resolve the indexed ones (hundreds): one look-up per event field instead of a
        // failed look-up and its aliases per indexed field.
        _present.Clear();
        foreach (var (name, value) in e.Fields)
        {
            if (!set.Slots.TryGetValue(name, out var slots))
                continue;
            foreach (var slot in slots)
            {
                if (_slotStamp[slot.Scan] != _generation)
                {
                    _slotStamp[slot.Scan] = _generation;
                    _present.Add(slot.Scan);
                }
                else if (_slotRank[slot.Scan] <= slot.Rank)
                    continue;
                _slotRank[slot.Scan] = slot.Rank;
                _slotValue[slot.Scan] = value;
            }
        }
        foreach (var s in _present)
        {
            if (s >= set.Fields.Length)
                continue; // tested by rules, but no prefilter text
            Scan(StartScan(set, s), _slotValue[s]);
            Count(set, s);
        }
        foreach (var r in set.Always)
            _candidates.Add(r);
        _candidates.Sort();
        return set;
    }

    /// <summary>Readies the scratch state for scanning one indexed field; returns its automaton.</summary>
    AhoCorasick StartScan(SigmaEngine.RuleSet set, int s)
    {
        var scan = set.Fields[s];
        _found.Clear();
        if (_needleStamp.Length < scan.NeedleGroups.Length)
            _needleStamp = new int[scan.NeedleGroups.Length];
        if (++_needleGeneration == int.MaxValue)
        {
            Array.Clear(_needleStamp);
            _needleGeneration = 1;
        }
        return scan.Automaton;
    }

    /// <summary>Counts the prefilter groups the needles found in field <paramref name="s"/> hit; a rule all of whose groups are hit becomes a candidate.</summary>
    void Count(SigmaEngine.RuleSet set, int s)
    {
        var needleGroups = set.Fields[s].NeedleGroups;
        foreach (var needle in _found)
            foreach (var g in needleGroups[needle])
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
