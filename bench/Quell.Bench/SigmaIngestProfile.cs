using System.Diagnostics;
using System.Text.Json;
using Quell.Detection;
using Quell.Detection.Sigma;
using Quell.Events;

namespace Quell.Bench;

/// <summary>
/// Detection's cost at ingest, on one thread: events normalized as the receivers do (outside the timing), then matched
/// through <see cref="SigmaHits.Find"/> (a <see cref="NormalizedSigmaEvent"/> per event) in batches of 1,000, as the
/// detecting sink does; prints CPU µs per event for the view alone and for view + matching.
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
            var view = Pass(b => b.Sum(e => new NormalizedSigmaEvent(e.Fields).Logsource.Key.Length));
            var hits = 0;
            var match = Pass(b => hits += SigmaHits.Find(catalog, b).Count);
            Console.WriteLine($"round {round}: CPU µs per event: view {view:F1}, view + match {match:F1} ({hits:N0} hits)");
        }
        return 0;
    }
}
