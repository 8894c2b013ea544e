using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using Quell.Intel.Feeds;
using Quell.Storage;

namespace Quell.Intel.Indicators;

/// <summary>
/// The indicator store's import: normalizes reported indicators, merges them into one row per (organisation, type,
/// value) and links each to the sources that reported it. Writes go in batches of <see cref="BatchSize"/>, one
/// transaction each, so a million-row feed neither holds SQLite's single writer for long nor loses what it wrote
/// when the feed turns out truncated half-way. Indicators are read in runs of up to <see cref="RunSize"/> and each run is
/// written in value order, so one batch touches one stretch of the value index (decision 70).
/// </summary>
public sealed class IndicatorStore(Db db, TimeProvider time, IWarninglistLookup? warninglists = null, IStoredIndicators? stored = null) : IIndicatorImport
{
    /// <summary>Rows per transaction: large enough that per-statement costs amortize, small enough that other writes wait at most tens of milliseconds.</summary>
    public const int BatchSize = 4000;

    /// <summary>
    /// Distinct indicators read before they are sorted into index order and written: the larger, the fewer times one
    /// import sweeps the value index (a 1 M-line feed in four sweeps). The run is held in memory while it is read
    /// (up to three runs are alive at once: peak RSS 582 MB against 198 MB with batches at 1 M freetext lines, docs/benchmarks.md).
    /// </summary>
    public const int RunSize = 250_000;

    /// <summary>Item errors kept in an <see cref="ImportResult"/>; all are counted.</summary>
    public const int MaxErrors = 100;

    public Db Db => db;

    public IWarninglistLookup? Warninglists => warninglists;

    /// <summary>Sorted runs waiting for the writer while the next one is read: one keeps both sides busy.</summary>
    const int QueuedRuns = 1;

    /// <remarks>
    /// Reading (parsing, type detection, normalization, warninglist checks) and writing overlap: the entries are read
    /// into a run on the caller's task while a second task writes the sorted run before it in batches, so a pull costs
    /// about the longer of the two instead of their sum. When the stream fails half-way (a truncated feed), the full
    /// batches read until then are written and the error is raised after.
    /// </remarks>
    public async Task<ImportResult> ImportAsync(long orgId, IndicatorSource source, IAsyncEnumerable<FeedEntry> entries, ImportOptions options, CancellationToken ct)
    {
        var run = NewRun();
        var tally = new ImportTally();
        var queue = Channel.CreateBounded<List<PendingIndicator>>(new BoundedChannelOptions(QueuedRuns) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var writer = Task.Run(() => WriteBatchesAsync(orgId, source, queue.Reader, run, tally, stop), CancellationToken.None);
        Exception? readError = null;
        try
        {
            await ReadRunsAsync(entries, options, queue.Writer, tally, stop.Token);
        }
        catch (Exception e)
        {
            readError = e;
        }
        // The writer goes on with the batches queued before a read failure (they were read whole), then ends. Its own
        // failure wins: the reader was stopped because of it, and a store error must fail the pull's job.
        queue.Writer.TryComplete();
        await writer;
        if (readError is not null)
            ExceptionDispatchInfo.Throw(readError);
        if (options.FullSnapshot)
            tally.Removed = await RemoveUnreportedAsync(orgId, source, run, ct);
        return tally.Result();
    }

    async Task ReadRunsAsync(IAsyncEnumerable<FeedEntry> entries, ImportOptions options, ChannelWriter<List<PendingIndicator>> queue, ImportTally tally, CancellationToken ct)
    {
        var run = new Dictionary<(string, string), PendingIndicator>();
        // The run's distinct items in the order they were read: a failure keeps only the full batches read before it.
        var read = new List<PendingIndicator>();
        var item = 0;
        try
        {
            await foreach (var entry in entries.WithCancellation(ct))
            {
                item++;
                if (entry.Error is { } parseError)
                {
                    tally.Reject(parseError);
                    continue;
                }
                if (entry.Indicator is not { } record)
                    continue;
                var pending = Prepare(record, options, out var error);
                if (pending is null)
                {
                    tally.Reject(new FeedItemError(Where(record, item), error!));
                    continue;
                }
                if (pending.Warninglists.Count > 0 && options.WarninglistPolicy == "drop")
                {
                    tally.Dropped++;
                    continue;
                }
                if (run.TryGetValue((pending.Type, pending.Value), out var earlier))
                    earlier.Absorb(pending);
                else
                {
                    run.Add((pending.Type, pending.Value), pending);
                    read.Add(pending);
                }
                if (read.Count >= RunSize)
                {
                    await QueueSortedAsync(read, read.Count, queue, ct);
                    run.Clear();
                    read = [];
                }
            }
        }
        catch (Exception) when (!ct.IsCancellationRequested)
        {
            // A truncated or broken feed: what was read in whole batches is written, as when batches were written in
            // reading order; the rest of the run is not.
            await QueueSortedAsync(read, read.Count / BatchSize * BatchSize, queue, ct);
            throw;
        }
        await QueueSortedAsync(read, read.Count, queue, ct);
    }

    /// <summary>
    /// Queues the first <paramref name="count"/> items of a run for the writer in batches, in the order of the value
    /// index (value, then type, as SQLite's BINARY collation compares them): each batch then covers one stretch of the
    /// index, so its inserts dirty a few neighbouring pages instead of one page per row (decision 70).
    /// </summary>
    static async Task QueueSortedAsync(List<PendingIndicator> read, int count, ChannelWriter<List<PendingIndicator>> queue, CancellationToken ct)
    {
        if (count == 0)
            return;
        var items = read.GetRange(0, count);
        IndexOrderSort.Sort(items);
        await queue.WriteAsync(items, ct);
    }

    async Task WriteBatchesAsync(long orgId, IndicatorSource source, ChannelReader<List<PendingIndicator>> queue, long run, ImportTally tally, CancellationTokenSource stop)
    {
        try
        {
            // A feed's first pull is mostly new indicators, a re-pull mostly known ones: each batch starts with the
            // statement that the batch before shows to be the likelier (IndicatorWrites.UpsertAsync, insertFirst).
            var insertFirst = false;
            // The matcher indexes a committed batch's new rows while the next batch is written, in batch order.
            var indexing = Task.CompletedTask;
            await foreach (var sorted in queue.ReadAllAsync(stop.Token))
                for (var start = 0; start < sorted.Count; start += BatchSize)
                {
                    var items = sorted.GetRange(start, Math.Min(BatchSize, sorted.Count - start));
                    var created = await FlushAsync(orgId, source, items, run, tally, insertFirst, stop.Token);
                    insertFirst = created.Count * 2 > items.Count;
                    if (stored is not null && created.Count > 0)
                    {
                        // Queued before the next batch: a catch-up from now on indexes them instead of reading them back.
                        stored.Committed(orgId, created);
                        indexing = IndexAfterAsync(indexing, stop.Token);
                    }
                }
            await indexing;
        }
        catch
        {
            // Stop the reader: nothing it reads from now on could be written.
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>Normalizes one record and looks its value up on the warninglists; null with the reason when refused.</summary>
    public PendingIndicator? Prepare(IndicatorRecord record, ImportOptions options, out string? error)
    {
        var pending = PendingIndicator.From(record, options.ExtraTags, options.DefaultTlp, out error);
        if (pending is not null && warninglists is not null)
            pending.Warninglists = warninglists.Hits(pending.Type, pending.Value);
        return pending;
    }

    /// <summary>A fresh mark for the links one import writes; a full snapshot removes the links of this source without it.</summary>
    public static long NewRun() => Random.Shared.NextInt64(1, long.MaxValue);

    static string Where(IndicatorRecord r, int item) =>
        r.SourceRef is { Length: > 0 } sourceRef
            ? $"item {item} ({IndicatorNormalizer.Printable(sourceRef)})"
            : $"item {item} ({IndicatorNormalizer.Printable(r.Type)} {IndicatorNormalizer.Printable(r.Value)})";

    /// <summary>Has the matcher index the committed batches once the indexing started before has ended.</summary>
    async Task IndexAfterAsync(Task before, CancellationToken ct)
    {
        await before;
        // Off the writer's task: run inline, the indexing would delay the next batch's statements.
        await Task.Yield();
        await stored!.IndexCommittedAsync(ct);
    }

    /// <summary>Writes one batch in one transaction; returns the rows it created, in id order.</summary>
    async Task<List<StoredIndicator>> FlushAsync(long orgId, IndicatorSource source, List<PendingIndicator> items, long run, ImportTally tally, bool insertFirst, CancellationToken ct)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcomes = await db.WriteAsync((c, tx) => IndicatorWrites.UpsertAsync(c, tx, orgId, source, items, run, now, insertFirst), ct);
        var created = new List<StoredIndicator>();
        for (var i = 0; i < outcomes.Length; i++)
        {
            var o = outcomes[i];
            if (o.Created)
                created.Add(new StoredIndicator(o.Id, items[i].Type, items[i].Value));
            if (o.Linked)
                tally.Added++;
            else
                tally.Updated++;
        }
        created.Sort((a, b) => a.Id.CompareTo(b.Id));
        return created;
    }

    /// <summary>Unlinks, in batches, what this source reported before this run; deletes indicators left with nothing.</summary>
    async Task<int> RemoveUnreportedAsync(long orgId, IndicatorSource source, long run, CancellationToken ct)
    {
        var removed = 0;
        while (true)
        {
            var n = await db.WriteAsync((c, tx) => IndicatorWrites.UnlinkStaleAsync(c, tx, orgId, IndicatorWrites.SourceKey(source), run, BatchSize), ct);
            removed += n;
            if (n < BatchSize)
                return removed;
        }
    }

    sealed class ImportTally
    {
        readonly List<FeedItemError> _errors = [];
        public int Added, Updated, Removed, Dropped, Rejected;

        public void Reject(FeedItemError error)
        {
            Rejected++;
            if (_errors.Count < MaxErrors)
                _errors.Add(error);
        }

        public ImportResult Result() => new(Added, Updated, Removed, Dropped, Rejected, _errors);
    }
}
