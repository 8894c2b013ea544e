using System.Buffers;
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

    /// <summary>
    /// Writes a batch on SQLite, inside the writer's transaction: each partition's events and related values through
    /// two statements prepared once per batch and bound by position with SQLitePCL, the batch's constants bound once
    /// (bindings survive <c>sqlite3_reset</c>), the fields JSON bound as the UTF-8 it was written in (decision 172).
    /// </summary>
    async Task AppendSqliteAsync(DbConnection c, DbTransaction tx, long orgId, string source, int retention, long now, IReadOnlyList<IncomingEvent> events)
    {
        var firstId = await c.ExecuteScalarAsync<long>(
            "UPDATE event_id_counter SET next_id = next_id + @n WHERE one = 1 RETURNING next_id - @n", new { n = events.Count }, tx);
        var rows = Plan(events, firstId, retention, now);
        foreach (var table in rows.Select(r => r.Table).Distinct())
        {
            // Inside the writer's transaction: the table and its catalogue row commit with the first events in it.
            await c.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Sqlite), transaction: tx);
            await c.ExecuteAsync("INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES (@table, @day, @retention, @now) ON CONFLICT (name) DO NOTHING",
                new { table, day = DayOf(table), retention, now }, tx);
        }
        var db = (Of(c) ?? throw new InvalidOperationException("not a SQLite connection")).Handle!;
        foreach (var group in rows.GroupBy(r => r.Table))
            Insert(db, group.Key, orgId, source, now, group);
    }

    static void Insert(sqlite3 db, string table, long orgId, string source, long now, IEnumerable<Row> rows)
    {
        var text = t_text ??= new ArrayBufferWriter<byte>(4096);
        using var insert = Prepare(db, $"INSERT INTO {table} (id, org_id, received_at, event_time, source, raw, fields) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
        using var related = Prepare(db, $"INSERT INTO {EventPartitions.RelatedTable(table)} (org_id, value, event_time, event_id) VALUES (?1, ?2, ?3, ?4)");
        Check(db, raw.sqlite3_bind_int64(insert, 2, orgId));
        Check(db, raw.sqlite3_bind_int64(insert, 3, now));
        Text(db, insert, 5, source);
        Check(db, raw.sqlite3_bind_int64(related, 1, orgId));
        foreach (var row in rows)
        {
            Check(db, raw.sqlite3_bind_int64(insert, 1, row.Id));
            Check(db, raw.sqlite3_bind_int64(insert, 4, row.EventTime));
            Text(db, insert, 6, EventJson.Clean(row.Event.Raw), text);
            Utf8(db, insert, 7, EventJson.SerializeUtf8(row.Event.Fields));
            Step(db, insert);
            Check(db, raw.sqlite3_bind_int64(related, 3, row.EventTime));
            Check(db, raw.sqlite3_bind_int64(related, 4, row.Id));
            foreach (var value in Related(row.Event))
            {
                Text(db, related, 2, value, text);
                Step(db, related);
            }
        }
    }
}
