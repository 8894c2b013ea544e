namespace Quell.Detection.Sigma;

/// <summary>
/// Loaded rules made ready to run: filters applied to the rules they name, correlation references resolved, and the
/// rule selection (status, level, tags) applied. Every rule that is not loaded or not enabled is listed with its reason.
/// A base rule that only an enabled correlation needs is matched (for the correlation) but not reported on its own;
/// so are the rules of a correlation whose <c>generate</c> is false (the specification's default).
/// </summary>
public sealed class SigmaCatalog
{
    readonly HashSet<object> _reported = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<object, List<(CorrelationPlan Plan, int Source)>> _consumers = new(ReferenceEqualityComparer.Instance);
    readonly Dictionary<SigmaRule, string[]> _fields = new(ReferenceEqualityComparer.Instance);

    SigmaCatalog(SigmaEngine engine, List<CorrelationPlan> plans, List<SigmaLoadProblem> problems, List<SigmaLoadProblem> notEnabled)
    {
        Engine = engine;
        Plans = plans;
        Problems = problems;
        NotEnabled = notEnabled;
    }

    /// <summary>The base rules to match events with (enabled ones and those an enabled correlation needs).</summary>
    public SigmaEngine Engine { get; }

    /// <summary>Correlation rules to evaluate (enabled ones and those an enabled correlation needs).</summary>
    public IReadOnlyList<SigmaCorrelationRule> Correlations => [.. Plans.Select(p => p.Rule)];

    /// <summary>Rules, correlations and filters that were not loaded (bad YAML, unknown references, ...).</summary>
    public IReadOnlyList<SigmaLoadProblem> Problems { get; }

    /// <summary>Loaded rules and correlations that the selection did not enable, with the reason.</summary>
    public IReadOnlyList<SigmaLoadProblem> NotEnabled { get; }

    /// <summary>How many rules and correlations report their matches.</summary>
    public int ReportingCount => _reported.Count;

    internal IReadOnlyList<CorrelationPlan> Plans { get; }

    /// <summary>Whether a match of this rule is reported on its own.</summary>
    public bool Reports(SigmaRule rule) => _reported.Contains(rule);

    public bool Reports(SigmaCorrelationRule correlation) => _reported.Contains(correlation);

    /// <summary>Whether matches of this rule feed a correlation.</summary>
    public bool Correlates(SigmaRule rule) => _consumers.ContainsKey(rule);

    /// <summary>The event fields a correlation reads from events of this rule (group-by fields, value_count's field).</summary>
    public IReadOnlyList<string> FieldsOf(SigmaRule rule) => _fields.TryGetValue(rule, out var f) ? f : [];

    internal IReadOnlyList<(CorrelationPlan Plan, int Source)> ConsumersOf(object ruleOrCorrelation) =>
        _consumers.TryGetValue(ruleOrCorrelation, out var list) ? list : [];

    public SigmaCorrelator<T> CreateCorrelator<T>(SigmaCorrelatorOptions? options = null) => new(this, options ?? new SigmaCorrelatorOptions());

    public static SigmaCatalog Build(SigmaLoadResult loaded, SigmaRuleSelection? selection = null)
    {
        selection ??= SigmaRuleSelection.All;
        var problems = new List<SigmaLoadProblem>(loaded.Problems);
        var rules = ApplyFilters([.. loaded.Rules], loaded.Filters, problems);
        var sources = ResolveCorrelations(rules, loaded.Correlations, problems);

        // Selection: what is enabled, then what enabled correlations need.
        var refused = new List<(object Item, SigmaLoadProblem Problem)>();
        var enabled = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var r in rules)
            if (selection.Refuses(r.Status, r.Level, r.Tags) is { } reason)
                refused.Add((r, new SigmaLoadProblem(r.Source, r.Id, r.Title, reason)));
            else
                enabled.Add(r);
        foreach (var c in sources.Keys)
            if (selection.Refuses(c.Status, c.Level, c.Tags) is { } reason)
                refused.Add((c, new SigmaLoadProblem(c.Source, c.Id, c.Title, reason)));
            else
                enabled.Add(c);
        var needed = new HashSet<object>(ReferenceEqualityComparer.Instance);
        void Need(object x)
        {
            if (x is SigmaCorrelationRule c && needed.Add(c))
                foreach (var s in sources[c])
                    Need(s);
            else
                needed.Add(x);
        }
        foreach (var c in sources.Keys.Where(enabled.Contains))
            Need(c);
        var notEnabled = refused.Select(p => needed.Contains(p.Item) ? p.Problem with { Reason = p.Problem.Reason + "; matched only for the correlations that use it" } : p.Problem).ToList();

        var plans = new List<CorrelationPlan>();
        foreach (var (c, s) in sources.Where(p => enabled.Contains(p.Key) || needed.Contains(p.Key)))
            plans.Add(CorrelationPlan.Of(plans.Count, c, s));
        var silent = new HashSet<object>(plans.Where(p => !p.Rule.Generate).SelectMany(p => p.Sources), ReferenceEqualityComparer.Instance);
        var catalog = new SigmaCatalog(new SigmaEngine(rules.Where(r => enabled.Contains(r) || needed.Contains(r))), plans, problems, notEnabled);
        foreach (var x in enabled.Where(x => !silent.Contains(x)))
            catalog._reported.Add(x);
        foreach (var plan in plans)
            for (var s = 0; s < plan.Sources.Length; s++)
            {
                if (!catalog._consumers.TryGetValue(plan.Sources[s], out var list))
                    catalog._consumers[plan.Sources[s]] = list = [];
                list.Add((plan, s));
                if (plan.Sources[s] is SigmaRule rule)
                    catalog._fields[rule] = [.. catalog.FieldsOf(rule).Concat(plan.GroupFields[s]).Concat(plan.ValueFields[s] is { } v ? [v] : []).Distinct()];
            }
        return catalog;
    }

    /// <summary>A rule a filter applies to matches only when the filter's condition does not (pySigma's semantics).</summary>
    static List<SigmaRule> ApplyFilters(List<SigmaRule> rules, IReadOnlyList<SigmaFilterRule> filters, List<SigmaLoadProblem> problems)
    {
        foreach (var filter in filters)
        {
            var targets = new List<int>();
            if (filter.Rules.Count == 0)
                targets.AddRange(Enumerable.Range(0, rules.Count).Where(i => SameLogsource(filter.Logsource, rules[i].Logsource)));
            else
            {
                var unknown = filter.Rules.Where(name => !rules.Any(r => Names(r.Id, r.Name, name))).ToList();
                if (unknown.Count > 0)
                {
                    problems.Add(new SigmaLoadProblem(filter.Source, filter.Id, filter.Title, $"the filter names rules that are not loaded: {string.Join(", ", unknown)}"));
                    continue;
                }
                targets.AddRange(Enumerable.Range(0, rules.Count).Where(i => filter.Rules.Any(name => Names(rules[i].Id, rules[i].Name, name))));
            }
            foreach (var i in targets)
                rules[i] = rules[i] with
                {
                    Detection = new SigmaNode.And([rules[i].Detection, new SigmaNode.Not(filter.Detection)]),
                    Filters = [.. rules[i].Filters, filter.Title],
                };
        }
        return rules;
    }

    static bool SameLogsource(SigmaLogsource filter, SigmaLogsource rule) =>
        (filter.Product is null || string.Equals(filter.Product, rule.Product, StringComparison.OrdinalIgnoreCase))
        && (filter.Category is null || string.Equals(filter.Category, rule.Category, StringComparison.OrdinalIgnoreCase))
        && (filter.Service is null || string.Equals(filter.Service, rule.Service, StringComparison.OrdinalIgnoreCase));

    static bool Names(string? id, string? name, string reference) =>
        string.Equals(id, reference, StringComparison.OrdinalIgnoreCase) || string.Equals(name, reference, StringComparison.Ordinal);

    /// <summary>Each correlation with the rules and correlations it names; those naming something not loaded, or in a cycle, are reported and dropped.</summary>
    static Dictionary<SigmaCorrelationRule, object[]> ResolveCorrelations(List<SigmaRule> rules, IReadOnlyList<SigmaCorrelationRule> correlations, List<SigmaLoadProblem> problems)
    {
        var resolved = new Dictionary<SigmaCorrelationRule, object[]>(ReferenceEqualityComparer.Instance);
        foreach (var c in correlations)
        {
            var sources = new List<object>();
            foreach (var reference in c.Rules)
            {
                object? found = rules.FirstOrDefault(r => Names(r.Id, r.Name, reference));
                found ??= correlations.FirstOrDefault(o => !ReferenceEquals(o, c) && Names(o.Id, o.Name, reference));
                if (found is null)
                {
                    problems.Add(new SigmaLoadProblem(c.Source, c.Id, c.Title, $"the correlation names rule '{reference}', which is not loaded"));
                    sources.Clear();
                    break;
                }
                sources.Add(found);
            }
            if (sources.Count > 0)
                resolved[c] = [.. sources];
        }
        foreach (var c in resolved.Keys.ToList())
            if (Reaches(c, c, resolved, []))
            {
                problems.Add(new SigmaLoadProblem(c.Source, c.Id, c.Title, "the correlation refers to itself through other correlations (a cycle)"));
                resolved.Remove(c);
            }
        // A correlation built on one that was dropped (or on itself through others) is dropped too.
        bool changed;
        do
        {
            changed = false;
            foreach (var (c, sources) in resolved.ToList())
                if (sources.OfType<SigmaCorrelationRule>().FirstOrDefault(s => !resolved.ContainsKey(s)) is { } missing)
                {
                    problems.Add(new SigmaLoadProblem(c.Source, c.Id, c.Title, $"the correlation builds on correlation '{missing.Title}', which is not loaded"));
                    resolved.Remove(c);
                    changed = true;
                }
        }
        while (changed);
        return resolved;
    }

    static bool Reaches(SigmaCorrelationRule from, SigmaCorrelationRule target, Dictionary<SigmaCorrelationRule, object[]> resolved, HashSet<SigmaCorrelationRule> seen)
    {
        if (!resolved.TryGetValue(from, out var sources) || !seen.Add(from))
            return false;
        foreach (var s in sources.OfType<SigmaCorrelationRule>())
            if (ReferenceEquals(s, target) || Reaches(s, target, resolved, seen))
                return true;
        return false;
    }
}

/// <summary>A correlation with its resolved sources and, per source, the event fields its group-by (aliases applied) and value field read.</summary>
internal sealed record CorrelationPlan(int Index, SigmaCorrelationRule Rule, object[] Sources, string[][] GroupFields, string?[] ValueFields)
{
    public static CorrelationPlan Of(int index, SigmaCorrelationRule rule, object[] sources)
    {
        string Field(string name, object source, string reference)
        {
            if (!rule.Aliases.TryGetValue(name, out var perRule))
                return name;
            var sourceName = source switch { SigmaRule r => r.Name, SigmaCorrelationRule c => c.Name, _ => null };
            return sourceName is not null && perRule.TryGetValue(sourceName, out var f) ? f : perRule.TryGetValue(reference, out f) ? f : name;
        }
        var groups = new string[sources.Length][];
        var values = new string?[sources.Length];
        for (var s = 0; s < sources.Length; s++)
        {
            groups[s] = [.. rule.GroupBy.Select(g => Field(g, sources[s], rule.Rules[s]))];
            values[s] = rule.ValueField is null ? null : Field(rule.ValueField, sources[s], rule.Rules[s]);
        }
        return new CorrelationPlan(index, rule, sources, groups, values);
    }
}
