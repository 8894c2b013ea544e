using Quell.Intel.Feeds;
using Quell.Storage;

namespace Quell.Intel.Indicators;

/// <summary>
/// The indicator store's import: normalizes reported indicators, merges them into one row per (organisation, type,
/// value) and links each to the sources that reported it. Writes go in batches of <see cref="BatchSize"/>, one
/// transaction each, so a million-row feed neither holds SQLite's single writer for long nor loses what it wrote
/// when the feed turns out truncated half-way.
/// </summary>
public sealed class IndicatorStore(Db db, TimeProvider time, IWarninglistLookup? warninglists = null) : IIndicatorImport
{
    /// <summary>Rows per transaction: large enough that per-statement costs amortize, small enough that other writes wait at most tens of milliseconds.</summary>
    public const int BatchSize = 4000;

    /// <summary>Item errors kept in an <see cref="ImportResult"/>; all are counted.</summary>
    public const int MaxErrors = 100;

    public Db Db => db;

    public IWarninglistLookup? Warninglists => warninglists;

    public async Task<ImportResult> ImportAsync(long orgId, IndicatorSource source, IAsyncEnumerable<FeedEntry> entries, ImportOptions options, CancellationToken ct)
    {
        var run = NewRun();
        var tally = new ImportTally();
        var batch = new Dictionary<(string, string), PendingIndicator>();
        var item = 0;
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
            if (batch.TryGetValue((pending.Type, pending.Value), out var earlier))
                earlier.Absorb(pending);
            else
                batch.Add((pending.Type, pending.Value), pending);
            if (batch.Count >= BatchSize)
            {
                await FlushAsync(orgId, source, batch, run, tally, ct);
                batch.Clear();
            }
        }
        if (batch.Count > 0)
            await FlushAsync(orgId, source, batch, run, tally, ct);
        if (options.FullSnapshot)
            tally.Removed = await RemoveUnreportedAsync(orgId, source, run, ct);
        return tally.Result();
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

    async Task FlushAsync(long orgId, IndicatorSource source, Dictionary<(string, string), PendingIndicator> batch, long run, ImportTally tally, CancellationToken ct)
    {
        var items = batch.Values.ToList();
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var outcomes = await db.WriteAsync((c, tx) => IndicatorWrites.UpsertAsync(c, tx, orgId, source, items, run, now), ct);
        foreach (var o in outcomes)
        {
            if (o.Linked)
                tally.Added++;
            else
                tally.Updated++;
        }
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
