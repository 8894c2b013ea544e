using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Quell.Storage;

namespace Quell.Events;

/// <summary>One stored event.</summary>
public sealed record StoredEvent(long Id, long OrgId, long ReceivedAt, long EventTime, string Source, string Raw, string Fields);

/// <summary>Where a related value was seen: the event's time, its id and the partition holding it.</summary>
public sealed record RelatedHit(long EventTime, long EventId, string Partition);

/// <summary>
/// The append-only event store. A batch is one transaction: its events go to the day partitions of their event time
/// (for their source's retention), each with its related.* values in the partition's index table, and the batch is
/// acknowledged only after the commit. SQLite writes through the group writer, so batches that queue up share a
/// commit; PostgreSQL copies each partition's rows with binary COPY.
/// </summary>
public sealed partial class EventStore(Db db, TimeProvider time, IOptions<EventOptions> options) : IEventSink
{
    /// <summary>Related values longer than this are not indexed (they are still in the event): nobody hunts for them, and a B-tree entry has a size limit.</summary>
    public const int MaxRelatedLength = 512;

    static readonly string[] RelatedFields = ["related.ip", "related.hosts", "related.hash", "related.user"];

    readonly ConcurrentDictionary<(long, string), (int Days, long Until)> _retention = new();
    readonly ConcurrentDictionary<string, bool> _ensured = new(StringComparer.Ordinal);

    public Db Db => db;

    /// <summary>Event <paramref name="Index"/> of a batch, with the time and day partition it is stored under.</summary>
    sealed record Row(int Index, long EventTime, string Table, IncomingEvent Event);

    public ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, CancellationToken ct) =>
        AppendAsync(origin, events, null, ct);

    /// <summary>
    /// Appends a batch; <paramref name="alsoInTransaction"/> (e.g. the asset inventory's upserts) runs in the batch's
    /// transaction, so it commits with the events and costs no commit or writer round trip of its own.
    /// </summary>
    public async ValueTask AppendAsync(EventOrigin origin, IReadOnlyList<IncomingEvent> events, Func<DbConnection, DbTransaction, Task>? alsoInTransaction, CancellationToken ct)
    {
        if (events.Count == 0)
            return;
        var source = EventJson.Clean(origin.Source);
        var retention = await RetentionDaysAsync(origin.OrgId, source, ct);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (db.IsPostgres)
        {
            // A partition the retention task of another node dropped meanwhile is created again, once.
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await AppendPostgresAsync(origin.OrgId, source, retention, now, events, alsoInTransaction, ct);
                    return;
                }
                catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable && attempt < 3)
                {
                    _ensured.Clear();
                }
            }
        }
        // Everything but the SQL is done here, before the batch queues for the single writer (decision 225).
        var rows = Plan(events, retention, now);
        using var prepared = EventRows.Of(events);
        await db.WriteAsync(async (c, tx) =>
        {
            await AppendSqliteAsync(c, tx, origin.OrgId, source, retention, now, rows, prepared);
            if (alsoInTransaction is not null)
                await alsoInTransaction(c, tx);
        }, ct);
    }

    /// <summary>
    /// The event's time, or the receive time when it has none or claims to be more than a day ahead (a wrong clock
    /// must not create partitions for the far future, which retention would keep for ever).
    /// </summary>
    static long EventTime(IncomingEvent e, long now)
    {
        if (e.Timestamp is not { } t)
            return now;
        var ms = t.ToUnixTimeMilliseconds();
        return ms > now + 86_400_000 || ms < 0 ? now : ms;
    }

    static List<Row> Plan(IReadOnlyList<IncomingEvent> events, int retention, long now)
    {
        var rows = new List<Row>(events.Count);
        // A batch's events fall on a day or two: each partition's name is made once per batch, not per event.
        var tables = new Dictionary<int, string>();
        for (var i = 0; i < events.Count; i++)
        {
            var t = EventTime(events[i], now);
            var day = EventPartitions.Day(t);
            if (!tables.TryGetValue(day, out var table))
                tables[day] = table = EventPartitions.Table(retention, day);
            rows.Add(new Row(i, t, table, events[i]));
        }
        return rows;
    }

    async Task AppendPostgresAsync(long orgId, string source, int retention, long now, IReadOnlyList<IncomingEvent> events,
        Func<DbConnection, DbTransaction, Task>? alsoInTransaction, CancellationToken ct)
    {
        await using var conn = (NpgsqlConnection)await db.OpenAsync(ct);
        var ids = (await conn.QueryAsync<long>("SELECT nextval('event_ids') FROM generate_series(1, @n)", new { n = events.Count })).AsList();
        var rows = Plan(events, retention, now);
        foreach (var table in rows.Select(r => r.Table).Distinct())
            await EnsurePostgresPartitionAsync(conn, table, retention, now, ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        foreach (var group in rows.GroupBy(r => r.Table))
        {
            await using (var copy = await conn.BeginBinaryImportAsync(
                $"COPY {group.Key} (id, org_id, received_at, event_time, source, raw, fields) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var row in group)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(ids[row.Index], NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(orgId, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(now, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(row.EventTime, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(source, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(EventJson.Clean(row.Event.Raw), NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(EventJson.Serialize(row.Event.Fields), NpgsqlDbType.Text, ct);
                }
                await copy.CompleteAsync(ct);
            }
            await using (var copy = await conn.BeginBinaryImportAsync(
                $"COPY {EventPartitions.RelatedTable(group.Key)} (org_id, value, event_time, event_id) FROM STDIN (FORMAT BINARY)", ct))
            {
                foreach (var row in group)
                    foreach (var value in Related(row.Event))
                    {
                        await copy.StartRowAsync(ct);
                        await copy.WriteAsync(orgId, NpgsqlDbType.Bigint, ct);
                        await copy.WriteAsync(value, NpgsqlDbType.Text, ct);
                        await copy.WriteAsync(row.EventTime, NpgsqlDbType.Bigint, ct);
                        await copy.WriteAsync(ids[row.Index], NpgsqlDbType.Bigint, ct);
                    }
                await copy.CompleteAsync(ct);
            }
        }
        if (alsoInTransaction is not null)
            await alsoInTransaction(conn, tx);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Creates a partition in its own short transaction, under an advisory lock: two nodes creating the same table at
    /// once would otherwise collide in PostgreSQL's catalogue (a unique violation on pg_type), and DDL inside the batch
    /// transaction would hold its lock for the whole batch.
    /// </summary>
    async Task EnsurePostgresPartitionAsync(NpgsqlConnection conn, string table, int retention, long now, CancellationToken ct)
    {
        if (_ensured.ContainsKey(table))
            return;
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync("SELECT pg_advisory_xact_lock(hashtext(@table))", new { table }, tx);
        if (await conn.ExecuteScalarAsync<string?>("SELECT to_regclass(@table)::text", new { table }, tx) is null)
            await conn.ExecuteAsync(EventPartitions.CreateSql(table, Dialect.Postgres), transaction: tx);
        await conn.ExecuteAsync("INSERT INTO event_partitions (name, day, retention_days, created_at) VALUES (@table, @day, @retention, @now) ON CONFLICT (name) DO NOTHING",
            new { table, day = DayOf(table), retention, now }, tx);
        await tx.CommitAsync(ct);
        _ensured[table] = true;
    }

    public static int DayOf(string table) => int.Parse(table.AsSpan(table.LastIndexOf('d') + 1), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The distinct related.* values of an event that the index keeps (public so bulk fills index exactly these).</summary>
    public static IEnumerable<string> Related(IncomingEvent e)
    {
        HashSet<string>? seen = null;
        foreach (var name in RelatedFields)
        {
            if (!e.Fields.TryGetValue(name, out var v))
                continue;
            foreach (var item in v is IReadOnlyList<object?> list ? list : [v])
                if (item is string s && s.Length is > 0 and <= MaxRelatedLength && (seen ??= new(StringComparer.Ordinal)).Add(s))
                    yield return EventJson.Clean(s);
        }
    }

    /// <summary>The retention of a source's events in days: its own, or the default. Cached for a minute per node.</summary>
    public async Task<int> RetentionDaysAsync(long orgId, string source, CancellationToken ct = default)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (_retention.TryGetValue((orgId, source), out var cached) && cached.Until > now)
            return cached.Days;
        var days = await db.ReadAsync(c => c.ExecuteScalarAsync<int?>(
            "SELECT retention_days FROM event_sources WHERE org_id = @orgId AND source = @source", new { orgId, source }), ct) ?? options.Value.DefaultRetentionDays;
        _retention[(orgId, source)] = (days, now + 60_000);
        return days;
    }

    /// <summary>Sets a source's retention for events stored from now on (events already stored keep the retention of their partition).</summary>
    public async Task SetRetentionAsync(DbConnection c, DbTransaction tx, long orgId, string source, int days)
    {
        await c.ExecuteAsync("""
            INSERT INTO event_sources (org_id, source, retention_days, updated_at) VALUES (@orgId, @source, @days, @now)
            ON CONFLICT (org_id, source) DO UPDATE SET retention_days = excluded.retention_days, updated_at = excluded.updated_at
            """, new { orgId, source, days, now = time.GetUtcNow().ToUnixTimeMilliseconds() }, tx);
        _retention.TryRemove((orgId, source), out _);
    }

    public sealed record Partition(string Name, int Day, int RetentionDays);

    public async Task<IReadOnlyList<Partition>> PartitionsAsync(CancellationToken ct = default) =>
        await db.ReadAsync(async c => (await c.QueryAsync<(string, long, long)>(
            "SELECT name, day, retention_days FROM event_partitions ORDER BY day DESC, name"))
            .Select(r => new Partition(r.Item1, (int)r.Item2, (int)r.Item3)).ToList(), ct);

    /// <summary>Drops every partition whose retention has passed, whole (table and index table). Returns the names dropped.</summary>
    public async Task<IReadOnlyList<string>> DropExpiredAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var dropped = new List<string>();
        foreach (var p in await PartitionsAsync(ct))
        {
            if (!EventPartitions.Expired(p.Day, p.RetentionDays, now) || !EventPartitions.IsPartitionName(p.Name))
                continue;
            await db.WriteAsync(async (c, tx) =>
            {
                var relatedIsView = !db.IsPostgres && await RelatedKindAsync(c, tx, p.Name) == "view";
                await c.ExecuteAsync(EventPartitions.DropSql(p.Name, relatedIsView), transaction: tx);
                await c.ExecuteAsync("DELETE FROM event_partitions WHERE name = @Name", new { p.Name }, tx);
            }, ct);
            _ensured.TryRemove(p.Name, out _);
            _pending.TryRemove(p.Name, out _);
            _pendingTimes.TryRemove(p.Name, out _);
            dropped.Add(p.Name);
        }
        return dropped;
    }

    /// <summary>Every event of the organisation whose related.* values include <paramref name="value"/>, newest first, across all partitions.</summary>
    public async Task<IReadOnlyList<RelatedHit>> LookupRelatedAsync(long orgId, string value, int limit = 1000, CancellationToken ct = default)
    {
        var hits = new List<RelatedHit>();
        foreach (var p in await PartitionsAsync(ct))
        {
            if (hits.Count >= limit)
                break;
            IEnumerable<(long, long)> rows;
            try
            {
                rows = await db.ReadAsync(c => c.QueryAsync<(long, long)>(
                    $"SELECT event_time, event_id FROM {EventPartitions.RelatedTable(p.Name)} WHERE org_id = @orgId AND value = @value ORDER BY event_time DESC LIMIT @n",
                    new { orgId, value, n = limit - hits.Count }), ct);
            }
            catch (DbException) when (EventPartitions.Expired(p.Day, p.RetentionDays, time.GetUtcNow()))
            {
                // Retention dropped this partition since it was listed.
                continue;
            }
            hits.AddRange(rows.Select(r => new RelatedHit(r.Item1, r.Item2, p.Name)));
        }
        return hits.OrderByDescending(h => h.EventTime).ThenByDescending(h => h.EventId).ToList();
    }
}
