using System.Diagnostics;
using System.Text.Json;
using Quell.Detection.Sigma;

namespace Quell.Bench;

/// <summary>
/// In-process cost breakdown of Sigma matching over an NDJSON file, on one thread: parsing, building the event view,
/// the prefilter scans, and each rule's evaluation (the costliest rules are listed). For finding where the time goes;
/// the whole-process numbers come from bench/sigma-detect.sh.
/// </summary>
public static class SigmaProfile
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Quell.Bench sigma-profile EVENTS.ndjson [MAX_EVENTS] [RULE_DIR...]");
            return 2;
        }
        var (max, dirs) = SigmaBenchData.ProfileArgs(args);
        var load = Stopwatch.StartNew();
        var rules = new List<SigmaRule>();
        foreach (var dir in dirs)
            rules.AddRange(SigmaRuleLoader.LoadDirectory(dir).Rules);
        var engine = new SigmaEngine(rules);
        Console.WriteLine($"{rules.Count:N0} rules loaded in {load.Elapsed.TotalSeconds:F2} s");
        var lines = File.ReadLines(args[0]).Take(max).Select(System.Text.Encoding.UTF8.GetBytes).ToList();

        // Warm-up (JIT, rule sets per log source), then measured passes.
        var matcher = engine.CreateMatcher();
        var matches = new List<SigmaRule>();
        foreach (var line in lines.Take(2000))
        {
            using var doc = JsonDocument.Parse(line);
            matches.Clear();
            matcher.Match(new JsonSigmaEvent(doc.RootElement), matches);
        }
        double Pass(Action<byte[]> each)
        {
            // CPU time, not wall time: the machine is shared.
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            foreach (var line in lines)
                each(line);
            return (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / lines.Count;
        }
        var parse = Pass(line => JsonDocument.Parse(line).Dispose());
        var view = Pass(line =>
        {
            using var doc = JsonDocument.Parse(line);
            _ = new JsonSigmaEvent(doc.RootElement).Logsource;
        });
        var viewReused = new JsonSigmaEvent(default);
        var reuse = Pass(line =>
        {
            using var doc = JsonDocument.Parse(line);
            viewReused.Read(doc.RootElement);
        });
        var candidates = new List<SigmaRule>();
        var prefilter = Pass(line =>
        {
            using var doc = JsonDocument.Parse(line);
            viewReused.Read(doc.RootElement);
            candidates.Clear();
            matcher.Candidates(viewReused, candidates);
        });
        long total = 0;
        var reused = new JsonSigmaEvent(default);
        var match = Pass(line =>
        {
            using var doc = JsonDocument.Parse(line);
            matches.Clear();
            reused.Read(doc.RootElement);
            total += matcher.Match(reused, matches);
        });
        Console.WriteLine($"{lines.Count:N0} events, {total:N0} matches; CPU µs per event: parse {parse:F1}, parse + view {view:F1} (reused view {reuse:F1}), parse + view + prefilter {prefilter:F1}, parse + view + match {match:F1}");
        PrintAutomata(engine, lines);

        // Per rule: evaluation time over the events whose prefilter selects it.
        var cost = new double[rules.Count];
        var calls = new int[rules.Count];
        var index = new Dictionary<SigmaRule, int>(ReferenceEqualityComparer.Instance);
        for (var i = 0; i < rules.Count; i++)
            index[rules[i]] = i;
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var e = new JsonSigmaEvent(doc.RootElement);
            candidates.Clear();
            matcher.Candidates(e, candidates);
            foreach (var rule in candidates)
            {
                var start = Stopwatch.GetTimestamp();
                rule.Matches(e);
                var r = index[rule];
                cost[r] += Stopwatch.GetElapsedTime(start).TotalMicroseconds;
                calls[r]++;
            }
        }
        Console.WriteLine($"candidates per event {calls.Sum() / (double)lines.Count:F1}, evaluation wall µs per event {cost.Sum() / lines.Count:F1}; costliest rules (µs per event, evaluations):");
        foreach (var r in Enumerable.Range(0, rules.Count).OrderByDescending(r => cost[r]).Take(25))
            Console.WriteLine($"  {cost[r] / lines.Count,7:F2}  {calls[r],7:N0}  {rules[r].Title}");
        return 0;
    }

    /// <summary>The automata of the log source most events have: per field, needles' states and table size.</summary>
    static void PrintAutomata(SigmaEngine engine, List<byte[]> lines)
    {
        var counts = new Dictionary<SigmaEventLogsource, int>(ReferenceEqualityComparer.Instance);
        foreach (var line in lines)
        {
            using var doc = JsonDocument.Parse(line);
            var ls = new JsonSigmaEvent(doc.RootElement).Logsource;
            counts[ls] = counts.GetValueOrDefault(ls) + 1;
        }
        var (top, n) = counts.MaxBy(c => c.Value);
        var set = engine.SetFor(top);
        Console.WriteLine($"log source {top.Key} ({n:N0} events): {set.Rules.Length:N0} rules, {set.Always.Length} without prefilter, {set.Fields.Length} field scans:");
        foreach (var f in set.Fields.OrderByDescending(f => f.Automaton.Nodes))
            Console.WriteLine($"  {(f.Field == SigmaTrigger.AnyField ? "(keywords)" : f.Field),-28} {f.NeedleGroups.Length,6:N0} needles {f.Automaton.Nodes,7:N0} states {f.Automaton.TableBytes / 1024,8:N0} KB");
    }
}
