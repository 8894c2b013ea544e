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

    /// <summary>
    /// Writes a batch on SQLite, inside the writer's transaction: each partition's events and related values through
    /// two statements prepared once per batch and bound by position with SQLitePCL, the batch's constants bound once
    /// (bindings survive <c>sqlite3_reset</c>), the fields JSON bound as the UTF-8 it was written in (decision 172).
    /// Related values go to the partition's pending list, which is merged into the value-ordered table in the same
    /// transaction once it is long enough (decision 182); partitions made before keep their related table.
    /// </summary>
    async Task AppendSqliteAsync(DbConnection c, DbTransaction tx, long orgId, string source, int retention, long now, IReadOnlyList<IncomingEvent> events)
    {
        var firstId = await c.ExecuteScalarAsync<long>(
            "UPDATE event_id_counter SET next_id = next_id + @n WHERE one = 1 RETURNING next_id - @n", new { n = events.Count }, tx);
        var rows = Plan(events, firstId, retention, now);
        var relatedInto = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var table in rows.Select(r => r.Table).Distinct())
        {
            if (await RelatedKindAsync(c, tx, table) == "table")
            {
                relatedInto[table] = EventPartitions.RelatedTable(table);
                continue;
            }
            // Inside the writer's transaction: the tables and the catalogue row commit with the first events in them.
            await c.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Sqlite), transaction: tx);
            await c.ExecuteAsync("INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES (@table, @day, @retention, @now) ON CONFLICT (name) DO NOTHING",
                new { table, day = DayOf(table), retention, now }, tx);
            relatedInto[table] = EventPartitions.RelatedPendingTable(table);
        }
        var db = (Of(c) ?? throw new InvalidOperationException("not a SQLite connection")).Handle!;
        foreach (var group in rows.GroupBy(r => r.Table))
        {
            var related = Insert(db, group.Key, relatedInto[group.Key], orgId, source, now, group);
            if (relatedInto[group.Key] != EventPartitions.RelatedPendingTable(group.Key) || related == 0)
                continue;
            var pending = _pending.TryGetValue(group.Key, out var known) ? known + related
                : await c.ExecuteScalarAsync<long>($"SELECT coalesce(max(rowid), 0) FROM {EventPartitions.RelatedPendingTable(group.Key)}", transaction: tx);
            if (pending >= options.Value.MaxPendingRelated)
            {
                await MergePendingAsync(c, tx, group.Key);
                pending = 0;
            }
            // A batch rolled back after this leaves the count too high: the merge then comes a little early, no harm.
            _pending[group.Key] = pending;
        }
    }

    /// <summary>
    /// Merges the pending related values of partitions whose day has ended (decision 191). Ingest adds to those only for
    /// late events, so without this their last pending rows (up to <see cref="EventOptions.MaxPendingRelated"/>) stayed
    /// unsorted for good, and every look-up of a value in them scanned the list. Returns the partitions merged.
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
            var pendingTable = EventPartitions.RelatedPendingTable(p.Name);
            var exists = await db.ReadAsync(c => c.ExecuteScalarAsync<long?>("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = @pendingTable", new { pendingTable }), ct);
            if (exists is null || await db.ReadAsync(c => c.ExecuteScalarAsync<long?>($"SELECT 1 FROM {pendingTable} LIMIT 1"), ct) is null)
                continue;
            var done = await db.WriteAsync(async (c, tx) =>
            {
                if (await RelatedKindAsync(c, tx, p.Name) != "view"
                    || await c.ExecuteScalarAsync<long?>($"SELECT 1 FROM {EventPartitions.RelatedPendingTable(p.Name)} LIMIT 1", transaction: tx) is null)
                    return false;
                await MergePendingAsync(c, tx, p.Name);
                return true;
            }, ct);
            if (!done)
                continue;
            _pending[p.Name] = 0;
            merged.Add(p.Name);
        }
        return merged;
    }

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

    /// <summary>Inserts one partition's events and their related values; returns how many related values it inserted.</summary>
    static long Insert(sqlite3 db, string table, string relatedTable, long orgId, string source, long now, IEnumerable<Row> rows)
    {
        var text = t_text ??= new ArrayBufferWriter<byte>(4096);
        using var insert = Prepare(db, $"INSERT INTO {table} (id, org_id, received_at, event_time, source, raw, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        using var related = Prepare(db, $"INSERT INTO {relatedTable} (org_id, value, event_time, event_id) VALUES (?1, ?2, ?3, ?4)");
        Check(db, raw.sqlite3_bind_int64(insert, 2, orgId));
        Check(db, raw.sqlite3_bind_int64(insert, 3, now));
        Text(db, insert, 5, source);
        Check(db, raw.sqlite3_bind_int64(related, 1, orgId));
        var count = 0L;
        foreach (var row in rows)
        {
            Check(db, raw.sqlite3_bind_int64(insert, 1, row.Id));
            Check(db, raw.sqlite3_bind_int64(insert, 4, row.EventTime));
            if (row.Event.RawUtf8 is { } rawUtf8)
                Utf8(db, insert, 6, rawUtf8.Span);
            else
                Text(db, insert, 6, EventJson.Clean(row.Event.Raw), text);
            Utf8(db, insert, 7, EventJson.SerializeUtf8(row.Event.Fields));
            Step(db, insert);
            Check(db, raw.sqlite3_bind_int64(related, 3, row.EventTime));
            Check(db, raw.sqlite3_bind_int64(related, 4, row.Id));
            foreach (var value in Related(row.Event))
            {
                Text(db, related, 2, value, text);
                Step(db, related);
                count++;
            }
        }
        return count;
    }
}
