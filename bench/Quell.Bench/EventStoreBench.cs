using System.Diagnostics;
using System.Globalization;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Events;
using Quell.Storage;

namespace Quell.Bench;

/// <summary>
/// The ingest path without HTTP, in phases, with the process's CPU time per event for each: parsing and normalizing a
/// HEC body (<see cref="HecRequest.ParseEvents"/>), then appending the parsed batch to a fresh SQLite event store again
/// and again (one batch in flight per writer, so each batch is one commit, as on a lightly loaded server). Also the
/// bytes the process wrote per event (WAL and checkpoints) and allocated per event (the GC's work). CPU time, not wall time, so a busy machine changes the
/// numbers less; the HEC body is the one bench/events-ingest.sh posts.
/// quell-bench event-store BODY.json [--batches 300] [--parses N (default batches / 5, at least 20)] [--parallel 1] [--data DIR] [--max-pending N] (Events:MaxPendingRelated; a large N leaves the related values unmerged, to price the merge)
/// </summary>
static class EventStoreBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        string? Arg(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        if (args.Length == 0 || args[0].StartsWith("--", StringComparison.Ordinal))
        {
            Console.Error.WriteLine("usage: Quell.Bench event-store BODY.json [--batches N] [--parses N] [--parallel N] [--data DIR] [--max-pending N]");
            return 2;
        }
        var body = await File.ReadAllBytesAsync(args[0]);
        var batches = int.Parse(Arg("--batches") ?? "300", CultureInfo.InvariantCulture);
        var parallel = int.Parse(Arg("--parallel") ?? "1", CultureInfo.InvariantCulture);
        var data = Arg("--data") ?? Directory.CreateTempSubdirectory("quell-event-store-bench-").FullName;

        var (events, error) = HecRequest.ParseEvents(body, int.MaxValue);
        if (error is not null)
        {
            Console.Error.WriteLine($"{args[0]}: {error.Text} (event {error.InvalidEventNumber})");
            return 1;
        }
        for (var i = 0; i < 20; i++)
            HecRequest.ParseEvents(body, int.MaxValue);
        var parse = Measure();
        var parses = int.Parse(Arg("--parses") ?? Math.Max(20, batches / 5).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        for (var i = 0; i < parses; i++)
            HecRequest.ParseEvents(body, int.MaxValue);
        Report("parse + normalize", parse, (long)parses * events!.Count);

        await using var db = Db.Create(new StoreOptions { DataDirectory = data });
        await new Migrator(db, TimeProvider.System, NullLogger<Migrator>.Instance).MigrateAsync();
        var org = await db.ReadAsync(c => c.ExecuteScalarAsync<long>("SELECT id FROM organisations ORDER BY id LIMIT 1"));
        var eventOptions = new EventOptions();
        if (Arg("--max-pending") is { } maxPending)
            eventOptions.MaxPendingRelated = int.Parse(maxPending, CultureInfo.InvariantCulture);
        var store = new EventStore(db, TimeProvider.System, Options.Create(eventOptions));
        var origin = new EventOrigin(org, "store-bench");
        // Warm-up: the first batches create the partitions and compile the code.
        for (var i = 0; i < 5; i++)
            await store.AppendAsync(origin, events, CancellationToken.None);
        var append = Measure();
        var next = 0;
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) <= batches)
                await store.AppendAsync(origin, events, CancellationToken.None);
        })));
        Report($"append ({parallel} in flight)", append, (long)batches * events.Count);
        Console.WriteLine($"data: {data} ({new DirectoryInfo(data).EnumerateFiles().Sum(f => f.Length) / 1_000_000} MB)");
        return 0;
    }

    sealed record Mark(TimeSpan Cpu, long Written, long Allocated, Stopwatch Wall);

    static Mark Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return new Mark(Process.GetCurrentProcess().TotalProcessorTime, Written(), GC.GetTotalAllocatedBytes(true), Stopwatch.StartNew());
    }

    static void Report(string phase, Mark mark, long events)
    {
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - mark.Cpu).TotalMicroseconds / events;
        var written = (double)(Written() - mark.Written) / events;
        var allocated = (double)(GC.GetTotalAllocatedBytes(true) - mark.Allocated) / events;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{phase}: {events:N0} events, {cpu:F1} us CPU per event, {mark.Wall.Elapsed.TotalMicroseconds / events:F1} us wall per event, {written:F0} bytes written per event, {allocated:F0} bytes allocated per event"));
    }

    /// <summary>Bytes this process has written (wchar in /proc/self/io: files and sockets), or 0 where there is no procfs.</summary>
    static long Written()
    {
        if (!File.Exists("/proc/self/io"))
            return 0;
        foreach (var line in File.ReadLines("/proc/self/io"))
            if (line.StartsWith("wchar:", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(6).Trim(), CultureInfo.InvariantCulture);
        return 0;
    }
}
