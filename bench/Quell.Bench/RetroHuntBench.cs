using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging;
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
/// Retro-hunt at scale, in process: fills an empty store with N synthetic events over 30 days (each naming a host, two
/// addresses and a domain, all in the related index) in bulk SQL (<see cref="RetroHuntFill"/>), then stores 1,000 new
/// indicators (half of them present in the events) and times the hunt, through the product's
/// <see cref="RetroHunt.HuntAsync(CancellationToken)"/>, until the cursor has passed them all.
/// `Quell.Bench retro-hunt --data DIR [--events 10000000] [--indicators 1000] [--hunts 1] [--db POSTGRES]`; each hunt
/// round stores 1,000 fresh indicators, and a second run on the same DIR reuses the events.
/// </summary>
public static class RetroHuntBench
{
    const int Hosts = 5_000;
    const int Addresses = 1_000_000;
    const int Domains = 200_000;
    const string Source = "retro-bench";

    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var data = Arg("--data") ?? Directory.CreateTempSubdirectory("quell-retro-bench-").FullName;
        var total = long.Parse(Arg("--events") ?? "10000000", CultureInfo.InvariantCulture);
        var indicators = int.Parse(Arg("--indicators") ?? "1000", CultureInfo.InvariantCulture);
        var hunts = int.Parse(Arg("--hunts") ?? "1", CultureInfo.InvariantCulture);
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
        if (stored > 0 && stored != total)
        {
            Console.Error.WriteLine($"{data} holds {stored:N0} events, not {total:N0}: delete it (or pass --events {stored}) so the fill starts from an empty store.");
            return 2;
        }
        if (stored == 0)
        {
            var retention = await store.RetentionDaysAsync(org, Source);
            await RetroHuntFill.FillAsync(db, new RetroHuntFill.Plan(org, Source, retention, total, DateTimeOffset.UtcNow, Synthetic));
        }
        Console.WriteLine($"events in store: {total:N0}, partitions: {(await store.PartitionsAsync()).Count}");

        // The hunt logs its phases (related index, events, alerts) per page: that line is the phase timing.
        using var logs = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true));
        var hunt = new RetroHunt(store, new AlertStore(new AuditLog(db, TimeProvider.System), db,
            new AutoEnrichment(db, new AnalyzerCatalogue([]), new EnrichmentQueue(new JobQueue(db, TimeProvider.System), Options.Create(new EnrichmentOptions())))),
            TimeProvider.System, Options.Create(new DetectionOptions()), logs.CreateLogger<RetroHunt>());
        // A server hunts in a warm process: later rounds show that, the first one includes compiling the code.
        for (var round = 1; round <= hunts; round++)
            await HuntRoundAsync(db, hunt, org, total, indicators, round);
        return 0;
    }

    static async Task HuntRoundAsync(Db db, RetroHunt hunt, long org, long total, int indicators, int round)
    {
        // Half the indicators are addresses and domains the events hold, half are not.
        var random2 = new Random(Environment.TickCount);
        var records = Enumerable.Range(0, indicators).Select(i => i % 2 == 0
            ? (i % 4 == 0 ? new IndicatorRecord { Type = "ip-dst", Value = Address(random2.Next(Addresses)) } : new IndicatorRecord { Type = "domain", Value = Domain(random2.Next(Domains)) })
            : new IndicatorRecord { Type = "domain", Value = $"absent-{Guid.NewGuid():N}.example" }).ToList();
        // Start the hunt after what earlier runs stored, so only these indicators are hunted.
        await db.WriteAsync((c, tx) => c.ExecuteAsync("UPDATE retro_hunt_cursor SET last_indicator_id = (SELECT COALESCE(MAX(id), 0) FROM indicators)", transaction: tx));
        var intel = new IndicatorStore(db, TimeProvider.System);
        var imported = await intel.ImportAsync(org, IndicatorSource.Feed(1, "retro-bench-" + Guid.NewGuid().ToString("N")[..6]), Entries(records), new ImportOptions(), default);
        Console.WriteLine($"round {round}, indicators: {imported.Added:N0} added, {imported.Updated:N0} updated");

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
        Console.WriteLine($"retro-hunt {round}: {hunted:N0} indicators over {total:N0} events in {wall.TotalSeconds:F2} s wall, {cpu.TotalSeconds:F2} s CPU; {alerts:N0} alerts");
    }

    static async IAsyncEnumerable<FeedEntry> Entries(List<IndicatorRecord> records)
    {
        foreach (var r in records)
            yield return FeedEntry.Of(r);
        await Task.CompletedTask;
    }

    static string Address(int i) => $"45.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}";

    static string Domain(int i) => $"d{i}.example";

    static IncomingEvent Synthetic(Random r, long timeMs)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(timeMs);
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
