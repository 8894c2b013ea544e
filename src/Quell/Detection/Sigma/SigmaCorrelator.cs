namespace Quell.Detection.Sigma;

/// <summary>Bounds on the correlation state kept in memory.</summary>
public sealed record SigmaCorrelatorOptions
{
    /// <summary>Events kept per group and correlation; beyond it the oldest are dropped (counted in <see cref="SigmaCorrelator{T}.Dropped"/>).</summary>
    public int MaxEventsPerGroup { get; init; } = 1_000;

    /// <summary>Events kept over all groups; beyond it the groups that heard nothing for the longest are dropped.</summary>
    public int MaxEvents { get; init; } = 100_000;
}

/// <summary>One correlation that matched: its group's values, the time span and the events (evidence) it is made of.</summary>
public sealed record SigmaCorrelationMatch<T>(
    SigmaCorrelationRule Rule, IReadOnlyList<KeyValuePair<string, string>> Group, DateTimeOffset First, DateTimeOffset Last, long Count, IReadOnlyList<T> Events);

/// <summary>
/// Evaluates correlation rules over base rule matches in event time. Per correlation and group (the group-by values)
/// it keeps the matching events of the last timespan. A condition with lower bounds only (<c>gte: 10</c>; temporal's
/// "every rule") slides: it is checked on every event against the events of the timespan before it, and a match empties
/// the group, so the next match needs new events. A condition with an upper bound (<c>lt</c>, <c>lte</c>, <c>eq</c>)
/// is only known when its window, starting at the group's first event, has passed: it is checked then (on a later event,
/// or by <see cref="Flush"/>). Events more than a timespan older than the newest event of their group are late and
/// ignored; groups no event reached for a timespan are forgotten. Not thread-safe.
/// </summary>
public sealed class SigmaCorrelator<T>
{
    readonly SigmaCatalog _catalog;
    readonly SigmaCorrelatorOptions _options;
    readonly Dictionary<(int Plan, string Key), Window> _windows = [];
    long _events;
    long _watermark = long.MinValue;
    int _sinceSweep;

    internal SigmaCorrelator(SigmaCatalog catalog, SigmaCorrelatorOptions options)
    {
        _catalog = catalog;
        _options = options;
    }

    /// <summary>Events ignored because they came more than a timespan after newer ones of their group.</summary>
    public long Late { get; private set; }

    /// <summary>Events dropped to keep memory bounded (per-group or total limit).</summary>
    public long Dropped { get; private set; }

    /// <summary>Groups with events in memory.</summary>
    public int OpenGroups => _windows.Count;

    /// <summary>Feeds one match of a base rule; correlations that now match are added to <paramref name="matches"/>.</summary>
    /// <param name="field">Reads a field of the matched event (null when missing).</param>
    public void Observe(SigmaRule rule, DateTimeOffset time, Func<string, string?> field, T evidence, List<SigmaCorrelationMatch<T>> matches)
    {
        var consumers = _catalog.ConsumersOf(rule);
        if (consumers.Count == 0)
            return;
        var at = time.ToUnixTimeMilliseconds();
        if (at > _watermark)
            _watermark = at;
        foreach (var (plan, source) in consumers)
            Observe(plan, source, at, field, [evidence], matches);
        if (_events > _options.MaxEvents || ++_sinceSweep >= 1024)
            Expire(matches);
    }

    /// <summary>The end of the input: windows with an upper-bound condition are evaluated, all state is dropped.</summary>
    public void Flush(List<SigmaCorrelationMatch<T>> matches)
    {
        // Closing a window can feed a correlation built on it, which may open a window of its own.
        while (_windows.Where(w => _catalog.Plans[w.Key.Plan].Rule.Condition.HasUpperBound).OrderBy(w => w.Value.Start).ToList() is { Count: > 0 } open)
            foreach (var (key, w) in open)
            {
                _windows.Remove(key);
                Close(_catalog.Plans[key.Plan], w, matches);
            }
        _windows.Clear();
        _events = 0;
    }

    void Observe(CorrelationPlan plan, int source, long at, Func<string, string?> field, T[] evidence, List<SigmaCorrelationMatch<T>> matches)
    {
        var rule = plan.Rule;
        var group = new string[plan.GroupFields[source].Length];
        for (var g = 0; g < group.Length; g++)
        {
            // Like a SIEM's "count by" (Splunk stats, Elasticsearch terms): an event without the field is in no group.
            if (field(plan.GroupFields[source][g]) is not { } v)
                return;
            group[g] = v;
        }
        string? value = null;
        if (plan.ValueFields[source] is { } valueField && (value = field(valueField)) is null)
            return;
        var key = (plan.Index, string.Join('\u001f', group));
        var span = (long)rule.Timespan.TotalMilliseconds;
        if (_windows.TryGetValue(key, out var w))
        {
            if (at < w.Newest - span)
            {
                Late++;
                return;
            }
            if (rule.Condition.HasUpperBound && at > w.Start + span)
            {
                Close(plan, w, matches);
                _windows.Remove(key);
                w = null;
            }
        }
        if (w is null)
            _windows[key] = w = new Window(group, at);
        w.Add(new Entry(at, source, value, evidence));
        _events++;
        if (w.Entries.Count > _options.MaxEventsPerGroup)
        {
            w.Entries.RemoveAt(0);
            _events--;
            Dropped++;
        }
        if (rule.Condition.HasUpperBound)
            return;
        _events -= w.Prune(w.Newest - span);
        if (Evaluate(plan, w) is { } used)
        {
            _events -= w.Entries.Count;
            _windows.Remove(key);
            Matched(plan, w, used, matches);
        }
    }

    /// <summary>A closing window with an upper-bound condition: matched or not, it is done.</summary>
    void Close(CorrelationPlan plan, Window w, List<SigmaCorrelationMatch<T>> matches)
    {
        _events -= w.Entries.Count;
        if (Evaluate(plan, w) is { } used)
            Matched(plan, w, used, matches);
    }

    void Matched(CorrelationPlan plan, Window w, List<Entry> used, List<SigmaCorrelationMatch<T>> matches)
    {
        var group = plan.Rule.GroupBy.Select((g, i) => KeyValuePair.Create(g, w.Group[i])).ToArray();
        var evidence = used.SelectMany(e => e.Evidence).ToArray();
        var match = new SigmaCorrelationMatch<T>(plan.Rule, group, DateTimeOffset.FromUnixTimeMilliseconds(used[0].At),
            DateTimeOffset.FromUnixTimeMilliseconds(used[^1].At), Count(plan, w.Entries), evidence);
        if (_catalog.Reports(plan.Rule))
            matches.Add(match);
        // A correlation can be built on this one: its match is an event whose fields are the group's values.
        var values = group.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        foreach (var (parent, source) in _catalog.ConsumersOf(plan.Rule))
            Observe(parent, source, used[^1].At, f => values.GetValueOrDefault(f), evidence, matches);
    }

    /// <summary>The entries that satisfy the correlation, or null.</summary>
    static List<Entry>? Evaluate(CorrelationPlan plan, Window w)
    {
        var entries = w.Entries;
        if (entries.Count == 0)
            return null;
        if (plan.Rule.Type == SigmaCorrelationType.TemporalOrdered)
        {
            // The earliest occurrence of each rule after the previous one: if any ordered chain exists, this finds one.
            var chain = new List<Entry>();
            foreach (var e in entries)
                if (e.Source == chain.Count && chain.Count < plan.Sources.Length)
                    chain.Add(e);
            return chain.Count == plan.Sources.Length ? chain : null;
        }
        return plan.Rule.Condition.IsSatisfiedBy(Count(plan, entries)) ? entries : null;
    }

    static long Count(CorrelationPlan plan, List<Entry> entries) => plan.Rule.Type switch
    {
        SigmaCorrelationType.EventCount => entries.Count,
        SigmaCorrelationType.ValueCount => entries.Select(e => e.Value).Distinct(StringComparer.Ordinal).Count(),
        _ => entries.Select(e => e.Source).Distinct().Count(),
    };

    /// <summary>
    /// Forgets groups the timespan has passed, measured against the newest event time seen (closing upper-bound windows,
    /// whose matches are added), and keeps the total under <see cref="SigmaCorrelatorOptions.MaxEvents"/>. Runs by itself
    /// every 1,024 events; a server calls it after each batch.
    /// </summary>
    public void Expire(List<SigmaCorrelationMatch<T>> matches)
    {
        _sinceSweep = 0;
        foreach (var (key, w) in _windows.ToList())
        {
            var plan = _catalog.Plans[key.Plan];
            var span = (long)plan.Rule.Timespan.TotalMilliseconds;
            if (plan.Rule.Condition.HasUpperBound ? w.Start + span < _watermark : w.Newest + span < _watermark)
            {
                if (plan.Rule.Condition.HasUpperBound)
                    Close(plan, w, matches);
                else
                    _events -= w.Entries.Count;
                _windows.Remove(key);
            }
        }
        if (_events <= _options.MaxEvents)
            return;
        foreach (var (key, w) in _windows.OrderBy(p => p.Value.Newest).ToList())
        {
            if (_events <= _options.MaxEvents * 3 / 4)
                break;
            _events -= w.Entries.Count;
            Dropped += w.Entries.Count;
            _windows.Remove(key);
        }
    }

    readonly record struct Entry(long At, int Source, string? Value, T[] Evidence);

    /// <summary>One group's events of one correlation, in event time order.</summary>
    sealed class Window(string[] group, long start)
    {
        public string[] Group => group;

        public long Start { get; } = start;

        public long Newest { get; private set; } = start;

        public List<Entry> Entries { get; } = [];

        public void Add(Entry e)
        {
            var i = Entries.Count;
            while (i > 0 && Entries[i - 1].At > e.At)
                i--;
            Entries.Insert(i, e);
            Newest = Math.Max(Newest, e.At);
        }

        /// <summary>Removes entries before <paramref name="from"/>; returns how many.</summary>
        public int Prune(long from)
        {
            var n = 0;
            while (n < Entries.Count && Entries[n].At < from)
                n++;
            Entries.RemoveRange(0, n);
            return n;
        }
    }
}
