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
        foreach (var day in days)
        {
            var (sql, parameters) = Build(db, day.Select(p => p.Name).ToList(), r, from, to, remaining);
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

    static (string Sql, DynamicParameters Parameters) Build(Db db, IReadOnlyList<string> tables, EventSearchRequest r, long from, long to, int limit)
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
        for (var k = 0; k < tables.Count; k++)
        {
            var table = tables[k];
            if (k > 0)
                sql.Append(" UNION ALL ");
            sql.Append("SELECT * FROM (SELECT id, org_id, received_at, event_time, source, raw, fields FROM ").Append(table)
                .Append(" WHERE org_id = @org AND event_time >= @from AND event_time <= @to");
            if (r.After is not null)
                sql.Append(" AND (event_time < @ct OR (event_time = @ct AND id < @cid))");
            for (var i = 0; i < r.Terms.Count; i++)
            {
                var t = r.Terms[i];
                if (t.Field is null)
                    sql.Append(db.IsPostgres ? $" AND raw ILIKE @t{i} ESCAPE '\\'" : $" AND raw LIKE @t{i} ESCAPE '\\'");
                else
                {
                    if (t.Field.StartsWith("related.", StringComparison.Ordinal))
                        // The index of related values narrows the rows before the fields are read.
                        sql.Append($" AND id IN (SELECT event_id FROM {EventPartitions.RelatedTable(table)} WHERE org_id = @org AND value = @v{i})");
                    sql.Append(db.IsPostgres
                        ? $" AND EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE jsonb_typeof(fields::jsonb -> @f{i}) WHEN 'array' THEN fields::jsonb -> @f{i} ELSE jsonb_build_array(fields::jsonb -> @f{i}) END) AS e(v) WHERE e.v = @v{i})"
                        : $" AND EXISTS (SELECT 1 FROM json_each(fields, @f{i}) WHERE CAST(value AS TEXT) = @v{i})");
                }
            }
            sql.Append(" ORDER BY event_time DESC, id DESC LIMIT @n) AS p").Append(k.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        sql.Append(" ORDER BY event_time DESC, id DESC LIMIT @n");
        return (sql.ToString(), p);
    }
}
