using System.Diagnostics;
using Dapper;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Quell.Events;
using Quell.Storage;
using SQLitePCL;

namespace Quell.Bench;

/// <summary>
/// Bulk fill of the event store for the retro-hunt bench: the same tables, columns, indexes, catalogue rows, id counter
/// and related values that <see cref="EventStore.AppendAsync(EventOrigin, IReadOnlyList{IncomingEvent}, CancellationToken)"/>
/// writes (its DDL, <see cref="EventJson.Serialize"/> and <see cref="EventStore.Related"/> are called, not copied), but
/// one day partition at a time in one transaction: SQLite through prepared multi-row INSERTs bound by position
/// (SQLitePCL directly, as the dev seeder), PostgreSQL through binary COPY. The store's append path runs per request
/// batch with its per-event work and measured 1,400–1,800 events/s on the loaded machine: 10 M events would take hours.
/// </summary>
static class RetroHuntFill
{
    const int RowsPerStatement = 50;

    public sealed record Plan(long OrgId, string Source, int RetentionDays, long Total, DateTimeOffset Now, Func<Random, long, IncomingEvent> Event);

    public static async Task FillAsync(Db db, Plan plan)
    {
        var sw = Stopwatch.StartNew();
        var firstId = await db.WriteAsync((c, tx) => db.IsPostgres
            ? c.ExecuteScalarAsync<long>("SELECT setval('event_ids', nextval('event_ids') + @n - 1) - @n + 1", new { n = plan.Total }, tx)
            : c.ExecuteScalarAsync<long>("UPDATE event_id_counter SET next_id = next_id + @n WHERE one = 1 RETURNING next_id - @n", new { n = plan.Total }, tx));
        var random = new Random(42);
        var end = plan.Now.ToUnixTimeMilliseconds();
        var start = end - 30L * 86_400_000;
        var done = 0L;
        for (var dayStart = EventPartitions.DayStart(EventPartitions.Day(start)); dayStart < end; dayStart += 86_400_000)
        {
            // Events spread evenly over the 30 days before now, as the store's own fill did; each day gets its share.
            var from = Math.Max(dayStart, start);
            var to = Math.Min(dayStart + 86_400_000, end);
            var upTo = (long)Math.Round((double)(to - start) / (end - start) * plan.Total);
            var count = (int)(upTo - done);
            var times = new long[count];
            for (var i = 0; i < count; i++)
                times[i] = from + random.NextInt64(to - from);
            Array.Sort(times);
            var events = new IncomingEvent[count];
            for (var i = 0; i < count; i++)
                events[i] = plan.Event(random, times[i]);
            var table = EventPartitions.Table(plan.RetentionDays, EventPartitions.Day(from));
            if (db.IsPostgres)
                await PostgresDayAsync(db, plan, table, firstId + done, times, events);
            else
                await SqliteDayAsync(db, plan, table, firstId + done, times, events);
            done = upTo;
            Console.Error.Write($"\rfilling events: {done:N0} / {plan.Total:N0} ({done / sw.Elapsed.TotalSeconds:N0}/s)   ");
        }
        Console.Error.WriteLine();
        if (db.IsPostgres)
            await db.WriteAsync((c, tx) => c.ExecuteAsync("ANALYZE", transaction: tx));
        Console.WriteLine($"filled {plan.Total:N0} events in {sw.Elapsed.TotalSeconds:F1} s ({plan.Total / sw.Elapsed.TotalSeconds:N0}/s, bulk SQL)");
    }

    static async Task SqliteDayAsync(Db db, Plan plan, string table, long firstId, long[] times, IncomingEvent[] events)
    {
        await using var conn = (SqliteConnection)await db.OpenAsync();
        await conn.ExecuteAsync("PRAGMA cache_size = -1048576; PRAGMA temp_store = MEMORY;");
        await using var tx = conn.BeginTransaction();
        await conn.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Sqlite), transaction: tx);
        await CatalogueAsync(conn, tx, plan, table);
        var now = plan.Now.ToUnixTimeMilliseconds();
        using (var rows = new PositionalInsert(conn, $"{table} (id, org_id, received_at, event_time, source, raw, fields)", 7))
            for (var i = 0; i < events.Length; i++)
                rows.Add(firstId + i, plan.OrgId, now, times[i], plan.Source, EventJson.Clean(events[i].Raw), EventJson.Serialize(events[i].Fields));
        // The bulk fill writes the value-ordered table directly: its pending list is for ingest's small batches.
        using (var related = new PositionalInsert(conn, $"{EventPartitions.RelatedMainTable(table)} (org_id, value, event_time, event_id)", 4))
            for (var i = 0; i < events.Length; i++)
                foreach (var value in EventStore.Related(events[i]))
                    related.Add(plan.OrgId, value, times[i], firstId + i);
        tx.Commit();
    }

    static Task CatalogueAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, Plan plan, string table) =>
        c.ExecuteAsync("INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES (@table, @day, @retention, @now) ON CONFLICT (name) DO NOTHING",
            new { table, day = EventStore.DayOf(table), retention = plan.RetentionDays, now = plan.Now.ToUnixTimeMilliseconds() }, tx);

    static async Task PostgresDayAsync(Db db, Plan plan, string table, long firstId, long[] times, IncomingEvent[] events)
    {
        await using var conn = (NpgsqlConnection)await db.OpenAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await conn.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Postgres), transaction: tx);
        await CatalogueAsync(conn, tx, plan, table);
        var now = plan.Now.ToUnixTimeMilliseconds();
        await using (var copy = await conn.BeginBinaryImportAsync($"COPY {table} (id, org_id, received_at, event_time, source, raw, fields) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < events.Length; i++)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(firstId + i, NpgsqlDbType.Bigint);
                await copy.WriteAsync(plan.OrgId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(now, NpgsqlDbType.Bigint);
                await copy.WriteAsync(times[i], NpgsqlDbType.Bigint);
                await copy.WriteAsync(plan.Source, NpgsqlDbType.Text);
                await copy.WriteAsync(EventJson.Clean(events[i].Raw), NpgsqlDbType.Text);
                await copy.WriteAsync(EventJson.Serialize(events[i].Fields), NpgsqlDbType.Text);
            }
            await copy.CompleteAsync();
        }
        await using (var copy = await conn.BeginBinaryImportAsync($"COPY {EventPartitions.RelatedTable(table)} (org_id, value, event_time, event_id) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < events.Length; i++)
                foreach (var value in EventStore.Related(events[i]))
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(plan.OrgId, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(value, NpgsqlDbType.Text);
                    await copy.WriteAsync(times[i], NpgsqlDbType.Bigint);
                    await copy.WriteAsync(firstId + i, NpgsqlDbType.Bigint);
                }
            await copy.CompleteAsync();
        }
        await tx.CommitAsync();
    }

    /// <summary>A prepared INSERT of <see cref="RowsPerStatement"/> rows, values bound by position; the tail gets its own statement.</summary>
    sealed class PositionalInsert : IDisposable
    {
        readonly SqliteConnection _conn;
        readonly string _into;
        readonly int _width;
        readonly sqlite3_stmt _full;
        readonly List<object[]> _pending = new(RowsPerStatement);

        public PositionalInsert(SqliteConnection conn, string into, int width)
        {
            (_conn, _into, _width) = (conn, into, width);
            _full = Prepare(RowsPerStatement);
        }

        public void Add(params object[] row)
        {
            _pending.Add(row);
            if (_pending.Count == RowsPerStatement)
                Flush(_full);
        }

        sqlite3_stmt Prepare(int rows)
        {
            var values = string.Join(", ", Enumerable.Repeat("(" + string.Join(", ", Enumerable.Repeat("?", _width)) + ")", rows));
            Check(raw.sqlite3_prepare_v2(_conn.Handle, $"INSERT INTO {_into} VALUES {values}", out var stmt));
            return stmt;
        }

        void Flush(sqlite3_stmt stmt)
        {
            for (var r = 0; r < _pending.Count; r++)
                for (var c = 0; c < _width; c++)
                    Check(_pending[r][c] switch
                    {
                        long l => raw.sqlite3_bind_int64(stmt, r * _width + c + 1, l),
                        string s => raw.sqlite3_bind_text(stmt, r * _width + c + 1, s),
                        var v => throw new InvalidOperationException($"no SQLite mapping for {v.GetType()}"),
                    });
            var step = raw.sqlite3_step(stmt);
            raw.sqlite3_reset(stmt);
            if (step != raw.SQLITE_DONE)
                Check(step);
            _pending.Clear();
        }

        void Check(int rc)
        {
            if (rc != raw.SQLITE_OK)
                SqliteException.ThrowExceptionForRC(rc, _conn.Handle);
        }

        public void Dispose()
        {
            if (_pending.Count > 0)
            {
                using var tail = Prepare(_pending.Count);
                Flush(tail);
            }
            _full.Dispose();
        }
    }
}
