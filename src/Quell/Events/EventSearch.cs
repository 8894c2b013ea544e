using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text;
using Dapper;
using Quell.Storage;

namespace Quell.Events;

/// <summary>A search: the organisation, the terms (all must hold), the event-time window and where the last page ended.</summary>
public sealed record EventSearchRequest(long OrgId, IReadOnlyList<EventTerm> Terms, long? From, long? To, int Limit, (long Time, long Id)? After);

/// <summary>
/// Searches the day partitions newest first: one statement per day over that day's partitions (one per retention),
/// rows handed out as they are read, stopping at the limit. A page is ordered by (event time, id) descending and its
/// cursor is the last row's pair.
/// </summary>
public sealed class EventSearch(EventStore store)
{
    public async IAsyncEnumerable<StoredEvent> SearchAsync(EventSearchRequest r, [EnumeratorCancellation] CancellationToken ct = default)
    {
        var db = store.Db;
        var from = r.From ?? 0;
        var to = r.To ?? long.MaxValue;
        if (r.After is { } after)
            to = Math.Min(to, after.Time);
        if (from > to)
            yield break;
        var fromDay = EventPartitions.Day(Math.Max(0, from));
        var toDay = to >= 253402300799999 ? int.MaxValue : EventPartitions.Day(to);
        var days = (await store.PartitionsAsync(ct))
            .Where(p => p.Day >= fromDay && p.Day <= toDay && EventPartitions.IsPartitionName(p.Name))
            .GroupBy(p => p.Day).OrderByDescending(g => g.Key);
        var remaining = r.Limit;
        await using var conn = await db.OpenAsync(ct);
        var timeTables = db.IsPostgres ? new HashSet<string>() : await TimeTablesAsync(conn);
        foreach (var day in days)
        {
            var (sql, parameters) = Build(db, day.Select(p => p.Name).ToList(), timeTables, r, from, to, remaining);
            DbDataReader reader;
            try
            {
                reader = await conn.ExecuteReaderAsync(new CommandDefinition(sql, parameters, cancellationToken: ct));
            }
            catch (DbException)
            {
                // Retention dropped the day while this search was on its way to it: go on with the next.
                if (!await StillExistsAsync(conn, day.Select(p => p.Name)))
                    continue;
                throw;
            }
            await using (reader)
            {
                while (await reader.ReadAsync(ct))
                {
                    yield return new StoredEvent(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
                        reader.GetString(4), reader.GetString(5), reader.GetString(6));
                    if (--remaining == 0)
                        yield break;
                }
            }
        }
    }

    static async Task<bool> StillExistsAsync(DbConnection conn, IEnumerable<string> names)
    {
        foreach (var name in names)
            if (await conn.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM event_partitions WHERE name = @name", new { name }) == 0)
                return false;
        return true;
    }

    /// <summary>On SQLite, the partitions with time tables of their own (decision 220) instead of an index on the event table.</summary>
    static async Task<HashSet<string>> TimeTablesAsync(DbConnection conn)
    {
        var suffix = EventPartitions.TimePendingTable("");
        var names = await conn.QueryAsync<string>("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'events%' || @suffix", new { suffix });
        return names.Where(n => n.EndsWith(suffix, StringComparison.Ordinal)).Select(n => n[..^suffix.Length]).ToHashSet(StringComparer.Ordinal);
    }

    static (string Sql, DynamicParameters Parameters) Build(Db db, IReadOnlyList<string> tables, HashSet<string> timeTables, EventSearchRequest r, long from, long to, int limit)
    {
        var p = new DynamicParameters();
        p.Add("org", r.OrgId);
        p.Add("from", from);
        p.Add("to", to);
        p.Add("n", limit);
        if (r.After is { } a)
        {
            p.Add("ct", a.Time);
            p.Add("cid", a.Id);
        }
        for (var i = 0; i < r.Terms.Count; i++)
        {
            var t = r.Terms[i];
            if (t.Field is null)
                p.Add("t" + i, "%" + t.Value.Replace("\\", "\\\\").Replace("%", "\\%").Replace("_", "\\_") + "%");
            else
            {
                p.Add("f" + i, db.IsPostgres ? t.Field : "$.\"" + t.Field + "\"");
                p.Add("v" + i, t.Value);
            }
        }
        var sql = new StringBuilder();
        var arm = 0;
        foreach (var table in tables)
        {
            if (!timeTables.Contains(table))
            {
                Arm(sql, db, r, ref arm, table, table, "");
                continue;
            }
            // Decision 220: the big time-ordered table and the small pending one, each walked newest first and merged.
            foreach (var times in (string[])[EventPartitions.TimeMainTable(table), EventPartitions.TimePendingTable(table)])
                Arm(sql, db, r, ref arm, table, $"{times} AS t JOIN {table} AS e ON e.id = t.id", "e.");
        }
        sql.Append(" ORDER BY event_time DESC, id DESC LIMIT @n");
        return (sql.ToString(), p);
    }

    /// <summary>The org, time window and cursor condition on the time columns of <paramref name="t"/> ("" or an alias with its dot).</summary>
    static string Window(EventSearchRequest r, string t) =>
        $"{t}org_id = @org AND {t}event_time >= @from AND {t}event_time <= @to"
        + (r.After is null ? "" : $" AND ({t}event_time < @ct OR ({t}event_time = @ct AND {t}id < @cid))");

    /// <summary>
    /// One arm of the search's UNION ALL: the newest rows of <paramref name="from"/> (the partition, or its time table
    /// joined to it as e) that match every term, at most @n. <paramref name="e"/> is the event table's alias with its dot.
    /// </summary>
    static void Arm(StringBuilder sql, Db db, EventSearchRequest r, ref int arm, string table, string from, string e)
    {
        if (arm > 0)
            sql.Append(" UNION ALL ");
        var t = e.Length == 0 ? "" : "t.";
        sql.Append($"SELECT * FROM (SELECT {e}id, {e}org_id, {e}received_at, {e}event_time, {e}source, {e}raw, {e}fields FROM ").Append(from)
            .Append(" WHERE ").Append(Window(r, t));
        for (var i = 0; i < r.Terms.Count; i++)
        {
            var term = r.Terms[i];
            if (term.Field is null)
                sql.Append(db.IsPostgres ? $" AND {e}raw ILIKE @t{i} ESCAPE '\\'" : $" AND {e}raw LIKE @t{i} ESCAPE '\\'");
            else
            {
                if (term.Field.StartsWith("related.", StringComparison.Ordinal))
                    // The index of related values narrows the rows before the fields are read.
                    sql.Append($" AND {e}id IN (SELECT event_id FROM {EventPartitions.RelatedTable(table)} WHERE org_id = @org AND value = @v{i})");
                sql.Append(db.IsPostgres
                    ? $" AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(fields::jsonb -> @f{i}) WHEN 'array' THEN fields::jsonb -> @f{i} ELSE jsonb_build_array(fields::jsonb -> @f{i}) END) AS e(v) WHERE e.v = @v{i})"
                    : $" AND EXISTS (SELECT 1 FROM json_each({e}fields, @f{i}) WHERE CAST(value AS TEXT) = @v{i})");
            }
        }
        sql.Append($" ORDER BY {t}event_time DESC, {t}id DESC LIMIT @n) AS p").Append(arm.ToString(System.Globalization.CultureInfo.InvariantCulture));
        arm++;
    }
}
