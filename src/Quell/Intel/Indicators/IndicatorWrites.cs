using System.Data.Common;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Quell.Intel.Indicators;

/// <summary>What one upsert did to one indicator: its id, whether the row is new, whether the source's link is new.</summary>
public readonly record struct UpsertOutcome(long Id, bool Created, bool Linked);

/// <summary>
/// The SQL of indicator writes, on a connection and transaction the caller holds. A batch is a handful of statements
/// whatever its size: look up the existing rows, insert the new, update the changed, upsert the links.
/// </summary>
public static class IndicatorWrites
{
    /// <summary>How a source is keyed on its links: a feed by id (feeds can be renamed), others by kind and name.</summary>
    public static string SourceKey(IndicatorSource s) => s.FeedId is { } id ? $"feed:{id}" : $"{s.Kind}:{s.Name}";

    static bool IsPg(DbConnection c) => c is NpgsqlConnection;

    /// <summary>"<paramref name="column"/> is in the list parameter @<paramref name="name"/>", with the list as each dialect takes it.</summary>
    internal static string InList<T>(DbConnection c, DynamicParameters p, string column, string name, IReadOnlyCollection<T> values)
    {
        if (IsPg(c))
        {
            p.Add(name, values.ToArray());
            return $"{column} = ANY(@{name})";
        }
        p.Add(name, JsonSerializer.Serialize(values));
        return $"{column} IN (SELECT value FROM json_each(@{name}))";
    }

    /// <summary>A stored row of an indicator in a batch, with the source's link time (null: not linked yet).</summary>
    internal sealed class Existing
    {
        public long Id { get; set; }
        public string Type { get; set; } = "";
        public string Value { get; set; } = "";
        public bool ToIds { get; set; }
        public long? FirstSeen { get; set; }
        public long? LastSeen { get; set; }
        public int Tlp { get; set; }
        public int? Confidence { get; set; }
        public string? Comment { get; set; }
        public string Tags { get; set; } = "[]";
        public string? Warninglists { get; set; }
        public long? LinkedAt { get; set; }
    }

    const string ExistingColumns = "i.id AS Id, i.type AS Type, i.value AS Value, i.to_ids AS ToIds, i.first_seen AS FirstSeen, i.last_seen AS LastSeen, i.tlp AS Tlp, i.confidence AS Confidence, i.comment AS Comment, i.tags AS Tags, i.warninglists AS Warninglists, s.first_reported AS LinkedAt";

    /// <summary>
    /// Merges <paramref name="items"/> (distinct by type and value) into the store for <paramref name="source"/>: new rows
    /// are inserted; existing ones gain the tags, the widest first/last seen, the stricter stated TLP, the higher confidence;
    /// the source's link is added or refreshed with <paramref name="run"/>. Outcomes are in the order of the items.
    /// </summary>
    /// <remarks>
    /// With <paramref name="insertFirst"/>, every item is first offered to the INSERT (existing rows are skipped by its
    /// ON CONFLICT) and only the items it did not insert are looked up and merged: when most of a batch is new (a feed's
    /// first pull), that saves the look-up of every value. When most of it exists (a re-pull), the look-up first is
    /// cheaper, as the INSERT then has nothing to do. The result is the same either way.
    /// </remarks>
    public static async Task<UpsertOutcome[]> UpsertAsync(DbConnection c, DbTransaction tx, long orgId, IndicatorSource source, IReadOnlyList<PendingIndicator> items, long run, long now, bool insertFirst = false)
    {
        var pg = IsPg(c);
        var key = SourceKey(source);
        var outcomes = new UpsertOutcome[items.Count];
        var done = new bool[items.Count];
        var lookup = items;
        if (insertFirst)
        {
            var all = Enumerable.Range(0, items.Count).ToList();
            var inserted = await InsertAsync(c, tx, orgId, items, all, now);
            var rest = new List<PendingIndicator>();
            foreach (var index in all)
            {
                if (inserted[index] is var id and > 0)
                {
                    outcomes[index] = new UpsertOutcome(id, true, true);
                    done[index] = true;
                }
                else
                    rest.Add(items[index]);
            }
            lookup = rest;
        }
        var existing = lookup.Count == 0 ? []
            : SqliteIndicatorRows.Of(c) is { } raw ? SqliteIndicatorRows.Existing(raw, orgId, key, lookup)
            : await ExistingAsync(c, tx, orgId, key, lookup);

        // New rows, then changed rows, then every link: one statement each for the whole batch, the rows passed as one
        // JSON document that the database unpacks (json_each on SQLite, json_to_recordset on PostgreSQL). Row by row,
        // the per-statement cost was most of a large import's time.
        var fresh = new List<int>();
        var changed = new List<(long Id, Existing Merged)>();
        for (var index = 0; index < items.Count; index++)
        {
            if (done[index])
                continue;
            var item = items[index];
            if (!existing.TryGetValue((item.Type, item.Value), out var row))
            {
                // Offered to the INSERT already, not inserted and not found: deleted by a concurrent transaction since.
                if (insertFirst)
                    throw new InvalidOperationException($"indicator {item.Type} '{IndicatorNormalizer.Printable(item.Value)}' was removed by another transaction during the import; run the import again");
                fresh.Add(index);
                continue;
            }
            outcomes[index] = new UpsertOutcome(row.Id, false, row.LinkedAt is null);
            if (Merge(row, item) is { } merged)
                changed.Add((row.Id, merged));
        }
        if (fresh.Count > 0)
        {
            var inserted = await InsertAsync(c, tx, orgId, items, fresh, now);
            var raced = new List<int>();
            for (var n = 0; n < fresh.Count; n++)
            {
                if (inserted[n] is var id and > 0)
                    outcomes[fresh[n]] = new UpsertOutcome(id, true, true);
                else
                    raced.Add(fresh[n]);
            }
            // Inserted by a concurrent transaction since the lookup (PostgreSQL): link to its row as it is.
            foreach (var index in raced)
            {
                var item = items[index];
                var id = await c.ExecuteScalarAsync<long>(pg
                    ? "SELECT id FROM indicators WHERE org_id = @org AND md5(value) = md5(@value) AND value = @value AND type = @type"
                    : "SELECT id FROM indicators WHERE org_id = @org AND value = @value AND type = @type", new { org = orgId, value = item.Value, type = item.Type }, tx);
                outcomes[index] = new UpsertOutcome(id, false, true);
            }
        }
        if (changed.Count > 0)
        {
            var json = RowsJson(w =>
            {
                foreach (var (id, m) in changed.OrderBy(x => x.Id))
                {
                    w.WriteStartObject();
                    w.WriteNumber("id", id);
                    w.WriteBoolean("ids", m.ToIds);
                    Number(w, "fs", m.FirstSeen);
                    Number(w, "ls", m.LastSeen);
                    w.WriteNumber("tlp", m.Tlp);
                    Number(w, "conf", m.Confidence);
                    w.WriteString("cmt", m.Comment);
                    w.WriteString("tags", m.Tags);
                    w.WriteString("wl", m.Warninglists);
                    w.WriteEndObject();
                }
            });
            var from = pg
                ? "json_to_recordset(@rows::json) AS r(id bigint, ids boolean, fs bigint, ls bigint, tlp integer, conf integer, cmt text, tags text, wl text)"
                : "(SELECT value ->> 'id' AS id, value ->> 'ids' AS ids, value ->> 'fs' AS fs, value ->> 'ls' AS ls, value ->> 'tlp' AS tlp, value ->> 'conf' AS conf, value ->> 'cmt' AS cmt, value ->> 'tags' AS tags, value ->> 'wl' AS wl FROM json_each(@rows)) r";
            await c.ExecuteAsync($"""
                UPDATE indicators SET to_ids = r.ids, first_seen = r.fs, last_seen = r.ls, tlp = r.tlp, confidence = r.conf, comment = r.cmt,
                  tags = r.tags, warninglists = r.wl, updated_at = @now
                FROM {from} WHERE indicators.id = r.id
                """, new { rows = json, now }, tx);
        }
        // One lock order (indicator id) for concurrent imports of overlapping feeds on PostgreSQL; on SQLite, id order
        // appends to the link table's key.
        var linkOrder = IdOrder(outcomes);
        if (SqliteIndicatorRows.Of(c) is { } sqlite)
        {
            SqliteIndicatorRows.Link(sqlite, orgId, source, key, [.. linkOrder.Select(i => (outcomes[i].Id, items[i].SourceRef, items[i].Context))], run, now);
            return outcomes;
        }
        var links = RowsJson(w =>
        {
            foreach (var index in linkOrder)
            {
                w.WriteStartObject();
                w.WriteNumber("id", outcomes[index].Id);
                w.WriteString("ref", items[index].SourceRef);
                w.WriteString("ctx", items[index].Context);
                w.WriteEndObject();
            }
        });
        await c.ExecuteAsync("""
            INSERT INTO indicator_sources (indicator_id, org_id, source_key, source_kind, source_name, feed_id, source_ref, first_reported, last_reported, run_id, context)
            SELECT r.id, @org, @key, @kind, @name, @feedId, r.ref, @now, @now, @run, r.ctx FROM json_to_recordset(@links::json) AS r(id bigint, ref text, ctx text)
            ON CONFLICT (org_id, source_key, indicator_id) DO UPDATE SET source_name = excluded.source_name,
              source_ref = COALESCE(excluded.source_ref, indicator_sources.source_ref), last_reported = excluded.last_reported,
              run_id = excluded.run_id, context = COALESCE(excluded.context, indicator_sources.context)
            """, new { org = orgId, key, kind = source.Kind, name = source.Name, feedId = source.FeedId, now, run, links }, tx);
        return outcomes;
    }

    /// <summary>
    /// The indexes of <paramref name="outcomes"/> in id order. A first pull's batch is inserted in its own order, so its
    /// ids already ascend: then no sort (LINQ's OrderBy of every batch was about 1 % of a 1 M-line pull's samples).
    /// </summary>
    static int[] IdOrder(UpsertOutcome[] outcomes)
    {
        var order = new int[outcomes.Length];
        var sorted = true;
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
            sorted &= i == 0 || outcomes[i - 1].Id <= outcomes[i].Id;
        }
        if (!sorted)
        {
            var ids = Array.ConvertAll(outcomes, o => o.Id);
            Array.Sort(ids, order);
        }
        return order;
    }

    /// <summary>The stored rows of <paramref name="items"/>' values, with the source's link when it has one (PostgreSQL; SQLite: <see cref="SqliteIndicatorRows.Existing"/>).</summary>
    static async Task<Dictionary<(string, string), Existing>> ExistingAsync(DbConnection c, DbTransaction tx, long orgId, string key, IReadOnlyList<PendingIndicator> items)
    {
        var p = new DynamicParameters();
        p.Add("org", orgId);
        p.Add("key", key);
        p.Add("values", items.Select(i => i.Value).Distinct(StringComparer.Ordinal).ToArray());
        var sql = $"SELECT {ExistingColumns} FROM unnest(@values) AS j(value) JOIN indicators i ON i.org_id = @org AND md5(i.value) = md5(j.value) AND i.value = j.value LEFT JOIN indicator_sources s ON s.org_id = @org AND s.source_key = @key AND s.indicator_id = i.id";
        var existing = new Dictionary<(string, string), Existing>();
        foreach (var e in await c.QueryAsync<Existing>(sql, p, tx))
            existing[(e.Type, e.Value)] = e;
        return existing;
    }

    /// <summary>
    /// Inserts the items at <paramref name="indexes"/> that are not stored yet; for each index, in that order, the new
    /// row's id, or 0 when it was stored already.
    /// </summary>
    static async Task<long[]> InsertAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyList<PendingIndicator> items, List<int> indexes, long now)
    {
        if (SqliteIndicatorRows.Of(c) is { } sqlite)
            return SqliteIndicatorRows.Insert(sqlite, orgId, items, indexes, now);
        var json = RowsJson(w =>
        {
            foreach (var index in indexes)
            {
                var item = items[index];
                w.WriteStartObject();
                w.WriteString("typ", item.Type);
                w.WriteString("val", item.Value);
                w.WriteString("knd", KindName(item.Type));
                w.WriteString("cat", item.Category);
                w.WriteBoolean("ids", item.ToIds);
                Number(w, "fs", item.FirstSeen);
                Number(w, "ls", item.LastSeen);
                w.WriteNumber("tlp", (int)item.Tlp);
                Number(w, "conf", item.Confidence);
                w.WriteString("cmt", item.Comment);
                w.WriteString("tags", IndicatorJson.Tags(item.Tags));
                w.WriteString("wl", item.Warninglists.Count == 0 ? null : IndicatorJson.Tags(item.Warninglists));
                w.WriteEndObject();
            }
        });
        var inserted = new Dictionary<(string, string), long>();
        foreach (var (id, type, value) in await c.QueryAsync<(long, string, string)>("""
            INSERT INTO indicators (org_id, type, value, kind, category, to_ids, first_seen, last_seen, tlp, confidence, comment, tags, warninglists, created_at, updated_at)
            SELECT @org, r.typ, r.val, r.knd, r.cat, r.ids, r.fs, r.ls, r.tlp, r.conf, r.cmt, r.tags, r.wl, @now, @now
            FROM json_to_recordset(@rows::json) AS r(typ text, val text, knd text, cat text, ids boolean, fs bigint, ls bigint, tlp integer, conf integer, cmt text, tags text, wl text)
            ON CONFLICT (org_id, md5(value), type) DO NOTHING RETURNING id, type, value
            """, new { org = orgId, rows = json, now }, tx))
            inserted[(type, value)] = id;
        return [.. indexes.Select(i => inserted.GetValueOrDefault((items[i].Type, items[i].Value)))];
    }

    /// <summary>A JSON array of rows written by <paramref name="write"/>, for json_to_recordset (PostgreSQL) or json_each (SQLite).</summary>
    internal static string RowsJson(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            write(w);
            w.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    static void Number(Utf8JsonWriter w, string name, long? value)
    {
        if (value is { } v)
            w.WriteNumber(name, v);
        else
            w.WriteNull(name);
    }

    /// <summary>The merged row when the report changes anything, else null (a re-pull of an unchanged feed only touches links).</summary>
    static Existing? Merge(Existing row, PendingIndicator item)
    {
        // The stored tags are parsed only when the report brings tags (most feed lines bring none).
        var tags = item.Tags.Count == 0 ? [] : IndicatorJson.ReadList(row.Tags);
        var tagsChanged = false;
        foreach (var t in item.Tags)
            if (tags.Count < PendingIndicator.MaxTags && !tags.Contains(t))
            {
                tags.Add(t);
                tagsChanged = true;
            }
        var merged = new Existing
        {
            ToIds = row.ToIds || item.ToIds,
            FirstSeen = PendingIndicator.Min(row.FirstSeen, item.FirstSeen),
            LastSeen = PendingIndicator.Max(row.LastSeen, item.LastSeen),
            Tlp = item.TlpStated ? Math.Max(row.Tlp, (int)item.Tlp) : row.Tlp,
            Confidence = PendingIndicator.Max(row.Confidence, item.Confidence),
            Comment = row.Comment ?? item.Comment,
            Tags = tagsChanged ? IndicatorJson.Tags(tags) : row.Tags,
            Warninglists = item.Warninglists.Count > 0 ? IndicatorJson.Tags(item.Warninglists) : row.Warninglists,
        };
        var same = merged.ToIds == row.ToIds && merged.FirstSeen == row.FirstSeen && merged.LastSeen == row.LastSeen
            && merged.Tlp == row.Tlp && merged.Confidence == row.Confidence && merged.Comment == row.Comment && !tagsChanged
            && merged.Warninglists == row.Warninglists;
        return same ? null : merged;
    }

    /// <summary>The stored kind of <paramref name="type"/>; cached per known type, as an import asks once per row.</summary>
    public static string KindName(string type) =>
        IndicatorTypes.IsKnown(type) ? KindNames.GetOrAdd(type, ComputeKindName) : ComputeKindName(type);

    static string ComputeKindName(string type) =>
        (IndicatorTypes.Parts(type) is { } parts ? IndicatorTypes.KindOf(parts[0]) : IndicatorTypes.KindOf(type)).ToString().ToLowerInvariant();

    static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> KindNames = new(StringComparer.Ordinal);

    /// <summary>
    /// Removes up to <paramref name="limit"/> links of the source not refreshed by <paramref name="run"/>, then deletes
    /// those indicators that no source and no sighting holds any more. Returns the links removed.
    /// </summary>
    public static async Task<int> UnlinkStaleAsync(DbConnection c, DbTransaction tx, long orgId, string sourceKey, long run, int limit)
    {
        var ids = (await c.QueryAsync<long>(
            "SELECT indicator_id FROM indicator_sources WHERE org_id = @org AND source_key = @key AND run_id <> @run ORDER BY indicator_id LIMIT @limit",
            new { org = orgId, key = sourceKey, run, limit }, tx)).AsList();
        if (ids.Count == 0)
            return 0;
        var p = new DynamicParameters();
        p.Add("org", orgId);
        p.Add("key", sourceKey);
        var inIds = InList(c, p, "indicator_id", "ids", ids);
        await c.ExecuteAsync($"DELETE FROM indicator_sources WHERE org_id = @org AND source_key = @key AND {inIds}", p, tx);
        var q = new DynamicParameters();
        var inRows = InList(c, q, "id", "ids", ids);
        await c.ExecuteAsync($"""
            DELETE FROM indicators WHERE {inRows}
              AND NOT EXISTS (SELECT 1 FROM indicator_sources s WHERE s.indicator_id = indicators.id)
              AND NOT EXISTS (SELECT 1 FROM indicator_sightings g WHERE g.indicator_id = indicators.id)
            """, q, tx);
        // Their flags go by cascade; on SQLite a new indicator may now get a deleted one's id.
        await Flagging.FlagCursors.RewindAfterDeleteAsync(c, tx, Flagging.FlagCursors.Indicators, ids.Max());
        return ids.Count;
    }
}
