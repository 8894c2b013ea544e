using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Alerts;
using Quell.Audit;
using Quell.Detection;
using Quell.Enrichment;
using Quell.Events;
using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Indicators;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Bench;

/// <summary>
/// Retro-hunt at scale, in process: fills a store with N synthetic events over 30 days (each naming a host, two
/// addresses and a domain, all in the related index), then stores 1,000 new indicators (half of them present in the
/// events) and times the hunt until the cursor has passed them all.
/// `Quell.Bench retro-hunt --data DIR [--events 10000000] [--indicators 1000] [--db POSTGRES]`; a second run on the
/// same DIR reuses the events.
/// </summary>
public static class RetroHuntBench
{
    const int Hosts = 5_000;
    const int Addresses = 1_000_000;
    const int Domains = 200_000;
    const int Batch = 10_000;

    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var data = Arg("--data") ?? Directory.CreateTempSubdirectory("quell-retro-bench-").FullName;
        var total = long.Parse(Arg("--events") ?? "10000000", CultureInfo.InvariantCulture);
        var indicators = int.Parse(Arg("--indicators") ?? "1000", CultureInfo.InvariantCulture);
        Directory.CreateDirectory(data);
        await using var db = Db.Create(new StoreOptions { DataDirectory = data, Database = Arg("--db") });
        await new Migrator(db, TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync();
        var org = await db.ReadAsync(c => c.ExecuteScalarAsync<long?>("SELECT id FROM organisations WHERE name = 'retro-bench'"))
            ?? await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
                "INSERT INTO organisations (name, description, created_at) VALUES ('retro-bench', '', 0) RETURNING id", transaction: tx));
        var store = new EventStore(db, TimeProvider.System, Options.Create(new EventOptions()));

        var stored = 0L;
        foreach (var p in await store.PartitionsAsync())
            stored += await db.ReadAsync(c => c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {p.Name}"));
        var now = DateTimeOffset.UtcNow;
        if (stored < total)
        {
            var sw = Stopwatch.StartNew();
            var random = new Random(42);
            for (var n = stored; n < total; n += Batch)
            {
                var events = new List<IncomingEvent>(Batch);
                for (var i = 0; i < Batch && n + i < total; i++)
                    events.Add(Synthetic(random, now));
                await store.AppendAsync(new EventOrigin(org, "retro-bench"), events, default);
                if ((n / Batch) % 50 == 0)
                    Console.Error.Write($"\rstoring events: {n + events.Count:N0} / {total:N0} ({(n + events.Count - stored) / sw.Elapsed.TotalSeconds:N0}/s)   ");
            }
            Console.Error.WriteLine();
            Console.WriteLine($"stored {total - stored:N0} events in {sw.Elapsed.TotalSeconds:F1} s");
        }
        Console.WriteLine($"events in store: {total:N0}, partitions: {(await store.PartitionsAsync()).Count}");

        // Half the indicators are addresses and domains the events hold, half are not.
        var random2 = new Random(Environment.TickCount);
        var records = Enumerable.Range(0, indicators).Select(i => i % 2 == 0
            ? (i % 4 == 0 ? new IndicatorRecord { Type = "ip-dst", Value = Address(random2.Next(Addresses)) } : new IndicatorRecord { Type = "domain", Value = Domain(random2.Next(Domains)) })
            : new IndicatorRecord { Type = "domain", Value = $"absent-{Guid.NewGuid():N}.example" }).ToList();
        // Start the hunt after what earlier runs stored, so only these indicators are hunted.
        await db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE retro_hunt_cursor SET last_indicator_id = (SELECT COALESCE(MAX(id), 0) FROM indicators)", transaction: tx));
        var intel = new IndicatorStore(db, TimeProvider.System);
        var imported = await intel.ImportAsync(org, IndicatorSource.Feed(1, "retro-bench-" + Guid.NewGuid().ToString("N")[..6]), Entries(records), new ImportOptions(), default);
        Console.WriteLine($"indicators: {imported.Added:N0} added, {imported.Updated:N0} updated");

        var options = Options.Create(new DetectionOptions());
        var hunt = new RetroHunt(store, new AlertStore(new AuditLog(db, TimeProvider.System), db,
            new AutoEnrichment(db, new AnalyzerCatalogue([]), new EnrichmentQueue(new JobQueue(db, TimeProvider.System), Options.Create(new EnrichmentOptions())))), TimeProvider.System, options, NullLogger<RetroHunt>.Instance);
        var alertsBefore = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE org_id = @org", new { org }));
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var hunted = 0;
        int page;
        while ((page = await hunt.HuntAsync(default)) > 0)
            hunted += page;
        var wall = clock.Elapsed;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        var alerts = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE org_id = @org", new { org })) - alertsBefore;
        Console.WriteLine($"retro-hunt: {hunted:N0} indicators over {total:N0} events in {wall.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU; {alerts:N0} alerts");
        return 0;
    }

    static async IAsyncEnumerable<FeedEntry> Entries(List<IndicatorRecord> records)
    {
        foreach (var r in records)
            yield return FeedEntry.Of(r);
        await Task.CompletedTask;
    }

    static string Address(int i) => $"45.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";

    static string Domain(int i) => $"d{i}.example";

    static IncomingEvent Synthetic(Random r, DateTimeOffset now)
    {
        var time = now.AddSeconds(-r.Next(30 * 86400));
        var host = $"host-{r.Next(Hosts)}";
        var (src, dst, domain) = (Address(r.Next(Addresses)), Address(r.Next(Addresses)), Domain(r.Next(Domains)));
        var raw = $$"""{"host":"{{host}}","src_ip":"{{src}}","dst_ip":"{{dst}}","query":"{{domain}}"}""";
        return new IncomingEvent(time, raw, new Dictionary<string, object?>
        {
            ["host.name"] = host,
            ["source.ip"] = src,
            ["destination.ip"] = dst,
            ["dns.question.name"] = domain,
            ["related.ip"] = new List<object?> { src, dst },
            ["related.hosts"] = new List<object?> { host, domain },
        });
    }
}
