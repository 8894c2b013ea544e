using System.Diagnostics;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Quell.Intel;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Intel.Feeds.Formats;
using Quell.Intel.Indicators;
using Quell.Storage;

namespace Quell.Bench;

/// <summary>
/// Where a feed import's time goes, in process and phase by phase: reading and type detection alone, then with
/// normalization (what the store does before SQL), then the whole import into a fresh store (twice: all new, then all
/// unchanged). `Quell.Bench intel-import FILE [--db CONNECTION_STRING]`; the whole-process number is bench/intel-import.sh.
/// </summary>
public static class IntelImportBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: Quell.Bench intel-import FILE [--db POSTGRES_CONNECTION_STRING]");
            return 2;
        }
        var file = Path.GetFullPath(args[0]);
        var pg = args.Length >= 3 && args[1] == "--db" ? args[2] : null;
        var fetcher = new FileFetcher(file, new FeedFetchOptions { LocalDirectories = [Path.GetDirectoryName(file)!] });
        var request = new FeedRequest(file, new Dictionary<string, string>());
        var reader = new FreetextReader();

        var sw = Stopwatch.StartNew();
        var n = 0;
        await foreach (var e in reader.ReadAsync(request, fetcher, default))
            n += e.Indicator is null ? 0 : 1;
        Console.WriteLine($"read + detect:             {sw.Elapsed.TotalSeconds,6:F2} s ({n:N0} records)");

        var dir = Directory.CreateTempSubdirectory("quell-import-bench-").FullName;
        await using var db = Db.Create(new StoreOptions { DataDirectory = dir, Database = pg });
        await new Migrator(db, TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync();
        var org = await db.WriteAsync((c, tx) => c.ExecuteScalarAsync<long>(
            "INSERT INTO organisations (name, description, created_at) VALUES ('bench', '', 0) RETURNING id", transaction: tx));
        var store = new IndicatorStore(db, TimeProvider.System);

        sw.Restart();
        n = 0;
        await foreach (var e in reader.ReadAsync(request, fetcher, default))
            if (e.Indicator is { } r && store.Prepare(r, new ImportOptions(), out _) is not null)
                n++;
        Console.WriteLine($"read + detect + normalize: {sw.Elapsed.TotalSeconds,6:F2} s ({n:N0} indicators)");

        foreach (var pull in new[] { "first import (new)", "second import (same)" })
        {
            sw.Restart();
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var result = await store.ImportAsync(org, IndicatorSource.Feed(1, "bench"), reader.ReadAsync(request, fetcher, default), new ImportOptions(FullSnapshot: true), default);
            Console.WriteLine($"{pull,-26} {sw.Elapsed.TotalSeconds,6:F2} s, CPU {(Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds:F2} s (added {result.Added:N0}, updated {result.Updated:N0}, removed {result.Removed:N0}, rejected {result.Rejected:N0})");
        }
        Directory.Delete(dir, recursive: true);
        return 0;
    }
}
