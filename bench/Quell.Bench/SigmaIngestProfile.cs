using System.Diagnostics;
using System.Text.Json;
using Quell.Detection;
using Quell.Detection.Sigma;
using Quell.Events;

namespace Quell.Bench;

/// <summary>
/// Detection's cost at ingest, on one thread: events normalized as the receivers do (outside the timing), then matched
/// through <see cref="SigmaHits.Find"/> (one <see cref="NormalizedSigmaEvent"/> per batch, reset per event) in batches of 1,000, as the
/// detecting sink does; prints CPU µs per event for the view alone, view + prefilter (the rules selected, none
/// evaluated) and view + matching; then where matching time goes, per log source and per rule.
/// </summary>
public static class SigmaIngestProfile
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Quell.Bench sigma-ingest EVENTS.ndjson [MAX_EVENTS] [RULE_DIR...]");
            return 2;
        }
        var (max, dirs) = SigmaBenchData.ProfileArgs(args);
        var catalog = SigmaCatalog.Build(SigmaLoadResult.Combine(dirs.Select(d => SigmaRuleLoader.LoadDirectory(d))));
        var events = new List<IncomingEvent>();
        foreach (var line in File.ReadLines(args[0]).Take(max))
        {
            using var doc = JsonDocument.Parse(line);
            events.Add(EventNormalizer.Normalize(doc.RootElement.Clone(), line));
        }
        var batches = events.Chunk(1000).Select(b => (IReadOnlyList<IncomingEvent>)b).ToList();
        Console.WriteLine($"{catalog.Engine.Rules.Count:N0} rules, {events.Count:N0} events");
        foreach (var b in batches.Take(3))
            SigmaHits.Find(catalog, b); // warm-up: JIT, rule sets per log source
        double Pass(Func<IReadOnlyList<IncomingEvent>, int> each)
        {
            // CPU time, not wall time: the machine is shared.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var n = 0;
            foreach (var b in batches)
                n += each(b);
            GC.KeepAlive(n);
            return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / events.Count;
        }
        for (var round = 1; round <= 3; round++)
        {
            // One view per batch, reset per event, as SigmaHits.Find does.
            var view = Pass(b =>
            {
                var v = new NormalizedSigmaEvent();
                return b.Sum(e => v.Reset(e.Fields).Logsource.Key.Length);
            });
            var matcher = catalog.Engine.CreateMatcher();
            var candidates = new List<SigmaRule>();
            var prefilter = Pass(b =>
            {
                var v = new NormalizedSigmaEvent();
                foreach (var e in b)
                {
                    candidates.Clear();
                    matcher.Candidates(v.Reset(e.Fields), candidates);
                }
                return candidates.Count;
            });
            var hits = 0;
            var match = Pass(b => hits += SigmaHits.Find(catalog, b).Count);
            Console.WriteLine($"round {round}: CPU µs per event: view {view:F1}, view + prefilter {prefilter:F1}, view + match {match:F1} ({hits:N0} hits)");
        }
        Breakdown(catalog, events);
        return 0;
    }

    /// <summary>
    /// Where matching time goes: per log source, events and prefilter candidates; the rules that cost most CPU when
    /// evaluated (wall ticks on this thread, summed over the events), and whether they have a prefilter.
    /// </summary>
    static void Breakdown(SigmaCatalog catalog, List<IncomingEvent> events)
    {
        var matcher = catalog.Engine.CreateMatcher();
        var candidates = new List<SigmaRule>();
        var perSource = new Dictionary<string, (int Events, long Candidates)>();
        var perRule = new Dictionary<SigmaRule, (long Ticks, int Runs, int Matches)>();
        var lastEvent = new Dictionary<SigmaRule, ISigmaEvent>();
        foreach (var incoming in events)
        {
            var e = new NormalizedSigmaEvent(incoming.Fields);
            candidates.Clear();
            matcher.Candidates(e, candidates);
            var key = e.Logsource.Key;
            var s = perSource.GetValueOrDefault(key);
            perSource[key] = (s.Events + 1, s.Candidates + candidates.Count);
            foreach (var rule in candidates)
            {
                var t = Stopwatch.GetTimestamp();
                var m = rule.Matches(e);
                var r = perRule.GetValueOrDefault(rule);
                perRule[rule] = (r.Ticks + Stopwatch.GetTimestamp() - t, r.Runs + 1, r.Matches + (m ? 1 : 0));
                lastEvent[rule] = e;
            }
        }
        foreach (var (key, s) in perSource)
        {
            var set = catalog.Engine.SetFor(events.Select(e => new NormalizedSigmaEvent(e.Fields).Logsource).First(l => l.Key == key));
            Console.WriteLine($"log source '{key}': {s.Events:N0} events, {set.Rules.Length:N0} rules, {set.Fields.Length:N0} prefilter fields, {set.Always.Length:N0} rules without prefilter, {(double)s.Candidates / s.Events:F1} candidate rules per event");
        }
        var total = perRule.Values.Sum(r => r.Ticks);
        Console.WriteLine($"rule evaluation: {total * 1e6 / Stopwatch.Frequency / events.Count:F1} µs per event; most costly rules:");
        foreach (var (rule, r) in perRule.OrderByDescending(p => p.Value.Ticks).Take(15))
        {
            // The same evaluation repeated on one event: its own cost, without the first touch of the event's memory.
            var t = Stopwatch.GetTimestamp();
            for (var i = 0; i < 1000; i++)
                rule.Matches(lastEvent[rule]);
            var ns = (Stopwatch.GetTimestamp() - t) * 1e9 / Stopwatch.Frequency / 1000;
            Console.WriteLine($"  {r.Ticks * 1e6 / Stopwatch.Frequency / events.Count,6:F2} µs/event ({ns,6:F0} ns a call repeated)  {r.Runs,6:N0} runs {r.Matches,6:N0} matches  prefilter {(SigmaTrigger.Of(rule.Detection) is null ? "no " : "yes")}  {rule.Title} ({Path.GetFileName(rule.Source)})");
        }
    }
}
