using System.Collections.Concurrent;

namespace Quell.Intel.Matching;

/// <summary>
/// Indicators an import has just committed, indexed from the rows it holds (decision 208). Before, the background
/// catch-up read every new row back from the store (a million rows through Dapper for a 1 M-line feed, as much CPU as
/// the import's own statements); now it finds the watermark already past them and reads nothing. The rows are queued
/// at commit and indexed by whichever comes first, the import's own indexing task or a catch-up (decision 222): while
/// both cores are busy that task can wait seconds for a thread, and a catch-up meanwhile read the committed rows back.
/// </summary>
public sealed partial class IntelIndex
{
    readonly ConcurrentQueue<(long OrgId, IReadOnlyList<StoredIndicator> Rows)> _committed = new();

    /// <summary>The highest id up to which every indicator is indexed (the catch-up reads above it).</summary>
    internal long IndexedUpTo => Volatile.Read(ref _maxId);

    /// <summary>Batches committed and not indexed yet.</summary>
    internal int QueuedBatches => _committed.Count;

    public void Committed(long orgId, IReadOnlyList<StoredIndicator> rows)
    {
        if (rows.Count > 0)
            _committed.Enqueue((orgId, rows));
    }

    public async Task IndexCommittedAsync(CancellationToken ct)
    {
        if (_committed.IsEmpty)
            return;
        // The catch-up's lock: the watermark below must not move while a catch-up reads above it.
        await _catchUp.WaitAsync(ct);
        try
        {
            IndexQueued();
        }
        finally
        {
            _catchUp.Release();
        }
    }

    /// <summary>Indexes the queued batches in commit order. Under the catch-up lock.</summary>
    void IndexQueued()
    {
        while (_committed.TryDequeue(out var batch))
        {
            var index = _byOrg.GetOrAdd(batch.OrgId, _ => new IndicatorIndex());
            long first = long.MaxValue, last = 0;
            foreach (var r in batch.Rows)
            {
                Index(index, r.Id, r.Type, r.Value);
                first = Math.Min(first, r.Id);
                last = Math.Max(last, r.Id);
            }
            // The watermark moves past the rows only when they continue it without a gap: then every id up to the last
            // is indexed. That holds on SQLite, whose single writer gives one transaction's rows consecutive ids after
            // every committed one; on PostgreSQL a lower id of another transaction can still commit later, so there the
            // catch-up reads the rows again (adding an indexed indicator again changes nothing).
            if (!db.IsPostgres && first == Volatile.Read(ref _maxId) + 1 && last - first + 1 == batch.Rows.Count)
                Volatile.Write(ref _maxId, last);
        }
    }
}
