using System.Buffers;
using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Quell.Storage;
using SQLitePCL;
using static Quell.Storage.SqliteStatements;

namespace Quell.Events;

public sealed partial class EventStore
{
    [ThreadStatic]
    static ArrayBufferWriter<byte>? t_text;

    /// <summary>Rows in each partition's pending list, as far as this process knows (read from the table on first use).</summary>
    readonly ConcurrentDictionary<string, long> _pending = new(StringComparer.Ordinal);

    /// <summary>Rows in each partition's pending time list, as far as this process knows (decision 220).</summary>
    readonly ConcurrentDictionary<string, long> _pendingTimes = new(StringComparer.Ordinal);

    /// <summary>
    /// Writes a batch on SQLite, inside the writer's transaction: each partition's events, their times and related values
    /// through statements prepared once per batch and bound by position with SQLitePCL, the batch's constants bound once
    /// (bindings survive <c>sqlite3_reset</c>), the fields JSON bound as the UTF-8 it was written in (decision 172).
    /// Related values and event times go to the partition's pending lists, each merged into its ordered table in the same
    /// transaction once it is long enough (decisions 182 and 220); partitions made before keep their layout.
    /// </summary>
    async Task AppendSqliteAsync(DbConnection c, DbTransaction tx, long orgId, string source, int retention, long now, List<Row> rows, EventRows prepared)
    {
        var firstId = await c.ExecuteScalarAsync<long>(
            "UPDATE event_id_counter SET next_id = next_id + @n WHERE one = 1 RETURNING next_id - @n", new { n = rows.Count }, tx);
        var relatedInto = new Dictionary<string, string>(StringComparer.Ordinal);
        var timesInto = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var table in rows.Select(r => r.Table).Distinct())
        {
            var kind = await RelatedKindAsync(c, tx, table);
            if (kind == "table")
            {
                relatedInto[table] = EventPartitions.RelatedTable(table);
                timesInto[table] = null;
                continue;
            }
            relatedInto[table] = EventPartitions.RelatedPendingTable(table);
            if (kind == "view")
            {
                // A partition of decision 182 has no time tables and keeps its time index.
                timesInto[table] = await HasTimeTablesAsync(c, tx, table) ? EventPartitions.TimePendingTable(table) : null;
                continue;
            }
            // Inside the writer's transaction: the tables and the catalogue row commit with the first events in them.
            await c.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Sqlite), transaction: tx);
            await c.ExecuteAsync("INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES (@table, @day, @retention, @now) ON CONFLICT (name) DO NOTHING",
                new { table, day = DayOf(table), retention, now }, tx);
            timesInto[table] = EventPartitions.TimePendingTable(table);
        }
        var db = (Of(c) ?? throw new InvalidOperationException("not a SQLite connection")).Handle!;
        foreach (var group in rows.GroupBy(r => r.Table))
        {
            var (related, times) = Insert(db, group.Key, relatedInto[group.Key], timesInto[group.Key], orgId, source, now, firstId, group, prepared);
            if (relatedInto[group.Key] == EventPartitions.RelatedPendingTable(group.Key))
                await CountPendingAsync(c, tx, _pending, $"SELECT coalesce(max(rowid), 0) FROM {relatedInto[group.Key]}", group.Key, related,
                    options.Value.MaxPendingRelated, MergePendingAsync);
            if (timesInto[group.Key] is { } timePending)
                await CountPendingAsync(c, tx, _pendingTimes, $"SELECT count(*) FROM {timePending}", group.Key, times, options.Value.MaxPendingTimes, MergePendingTimesAsync);
        }
    }

    /// <summary>
    /// Adds <paramref name="added"/> rows to a partition's pending count (read by <paramref name="countSql"/> on first use)
    /// and merges the list once it reaches <paramref name="max"/>.
    /// </summary>
    static async Task CountPendingAsync(DbConnection c, DbTransaction tx, ConcurrentDictionary<string, long> counts, string countSql, string table,
        long added, int max, Func<DbConnection, DbTransaction, string, Task> merge)
    {
        if (added == 0)
            return;
        var pending = counts.TryGetValue(table, out var known) ? known + added : await c.ExecuteScalarAsync<long>(countSql, transaction: tx);
        if (pending >= max)
        {
            await merge(c, tx, table);
            pending = 0;
        }
        // A batch rolled back after this leaves the count too high: the merge then comes a little early, no harm.
        counts[table] = pending;
    }

    static async Task<bool> HasTimeTablesAsync(DbConnection c, DbTransaction tx, string table) =>
        await c.ExecuteScalarAsync<long?>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @name",
            new { name = EventPartitions.TimePendingTable(table) }, tx) is not null;

    /// <summary>
    /// Merges the pending related values (decision 191) and event times (decision 220) of partitions whose day has ended.
    /// Ingest adds to those only for late events, so without this their last pending rows stayed unsorted for good, and
    /// every look-up of a value or search of the day scanned the list. Returns the partitions merged.
    /// </summary>
    public async Task<IReadOnlyList<string>> SettlePendingAsync(CancellationToken ct = default)
    {
        var merged = new List<string>();
        if (db.IsPostgres)
            return merged;
        var today = EventPartitions.Day(time.GetUtcNow().ToUnixTimeMilliseconds());
        foreach (var p in await PartitionsAsync(ct))
        {
            if (p.Day >= today || !EventPartitions.IsPartitionName(p.Name))
                continue;
            // Read first: most ended days were merged at an earlier pass, and a check needs no writer transaction.
            var relatedPending = EventPartitions.RelatedPendingTable(p.Name);
            var timePending = EventPartitions.TimePendingTable(p.Name);
            var relatedWaits = await db.ReadAsync(c => HasRowsAsync(c, null, relatedPending), ct);
            var timesWait = await db.ReadAsync(c => HasRowsAsync(c, null, timePending), ct);
            if (!relatedWaits && !timesWait)
                continue;
            var done = await db.WriteAsync(async (c, tx) =>
            {
                // Retention may have dropped the partition meanwhile: check again in the transaction.
                var any = false;
                if (await HasRowsAsync(c, tx, relatedPending))
                {
                    await MergePendingAsync(c, tx, p.Name);
                    any = true;
                }
                if (await HasRowsAsync(c, tx, timePending))
                {
                    await MergePendingTimesAsync(c, tx, p.Name);
                    any = true;
                }
                return any;
            }, ct);
            if (!done)
                continue;
            _pending[p.Name] = 0;
            _pendingTimes[p.Name] = 0;
            merged.Add(p.Name);
        }
        return merged;
    }

    /// <summary>True when <paramref name="pendingTable"/> exists and holds a row.</summary>
    static async Task<bool> HasRowsAsync(DbConnection c, DbTransaction? tx, string pendingTable) =>
        await c.ExecuteScalarAsync<long?>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @pendingTable", new { pendingTable }, tx) is not null
        && await c.ExecuteScalarAsync<long?>($"SELECT 1 FROM {pendingTable} LIMIT 1", transaction: tx) is not null;

    /// <summary>"table" (a partition made before decision 182), "view" (pending list and value-ordered table), or null (no partition yet).</summary>
    static Task<string?> RelatedKindAsync(DbConnection c, DbTransaction tx, string table) =>
        c.ExecuteScalarAsync<string?>("SELECT type FROM sqlite_master WHERE name = @name", new { name = EventPartitions.RelatedTable(table) }, tx);

    /// <summary>
    /// Moves a partition's pending related values into its value-ordered table, sorted, in the caller's transaction.
    /// <c>OR IGNORE</c>: every column is in the key, so a row already there is the same row (a value is listed once
    /// per event), and a merge must never fail the ingest batch it runs in.
    /// </summary>
    static async Task MergePendingAsync(DbConnection c, DbTransaction tx, string table)
    {
        var pending = EventPartitions.RelatedPendingTable(table);
        await c.ExecuteAsync($"""
            INSERT OR IGNORE INTO {EventPartitions.RelatedMainTable(table)} (org_id, value, event_time, event_id)
              SELECT org_id, value, event_time, event_id FROM {pending} ORDER BY org_id, value, event_time, event_id;
            DELETE FROM {pending};
            """, transaction: tx);
    }

    /// <summary>
    /// Moves a partition's pending event times into its time-ordered table, in the caller's transaction (decision 220):
    /// read in key order, so the big table's pages are visited once each, in order. <c>OR IGNORE</c> for the same reason
    /// as <see cref="MergePendingAsync"/>.
    /// </summary>
    static async Task MergePendingTimesAsync(DbConnection c, DbTransaction tx, string table)
    {
        var pending = EventPartitions.TimePendingTable(table);
        await c.ExecuteAsync($"""
            INSERT OR IGNORE INTO {EventPartitions.TimeMainTable(table)} (org_id, event_time, id)
              SELECT org_id, event_time, id FROM {pending};
            DELETE FROM {pending};
            """, transaction: tx);
    }

    /// <summary>
    /// Inserts one partition's events, their related values and (<paramref name="timeTable"/> not null) their times;
    /// returns how many related values and times it inserted.
    /// </summary>
    static (long Related, long Times) Insert(sqlite3 db, string table, string relatedTable, string? timeTable, long orgId, string source, long now,
        long firstId, IEnumerable<Row> rows, EventRows prepared)
    {
        var text = t_text ??= new ArrayBufferWriter<byte>(4096);
        using var insert = Prepare(db, $"INSERT INTO {table} (id, org_id, received_at, event_time, source, raw, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        using var related = Prepare(db, $"INSERT INTO {relatedTable} (org_id, value, event_time, event_id) VALUES (?1, ?2, ?3, ?4)");
        using var times = timeTable is null ? null : Prepare(db, $"INSERT INTO {timeTable} (org_id, event_time, id) VALUES (?1, ?2, ?3)");
        Check(db, raw.sqlite3_bind_int64(insert, 2, orgId));
        Check(db, raw.sqlite3_bind_int64(insert, 3, now));
        Text(db, insert, 5, source);
        Check(db, raw.sqlite3_bind_int64(related, 1, orgId));
        if (times is not null)
            Check(db, raw.sqlite3_bind_int64(times, 1, orgId));
        var count = 0L;
        var timeCount = 0L;
        foreach (var row in rows)
        {
            var id = firstId + row.Index;
            Check(db, raw.sqlite3_bind_int64(insert, 1, id));
            Check(db, raw.sqlite3_bind_int64(insert, 4, row.EventTime));
            if (row.Event.RawUtf8 is { } rawUtf8)
                Utf8(db, insert, 6, rawUtf8.Span);
            else
                Text(db, insert, 6, EventJson.Clean(row.Event.Raw), text);
            Utf8(db, insert, 7, prepared.FieldsJson(row.Index));
            Step(db, insert);
            if (times is not null)
            {
                Check(db, raw.sqlite3_bind_int64(times, 2, row.EventTime));
                Check(db, raw.sqlite3_bind_int64(times, 3, id));
                Step(db, times);
                timeCount++;
            }
            Check(db, raw.sqlite3_bind_int64(related, 3, row.EventTime));
            Check(db, raw.sqlite3_bind_int64(related, 4, id));
            foreach (var value in prepared.Related(row.Index))
            {
                Text(db, related, 2, value, text);
                Step(db, related);
                count++;
            }
        }
        return (count, timeCount);
    }
}
