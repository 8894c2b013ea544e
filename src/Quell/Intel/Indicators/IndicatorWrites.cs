using System.Data.Common;
using System.Text.Json;
using Dapper;
using Npgsql;

namespace Quell.Intel.Indicators;

/// <summary>What one upsert did to one indicator: its id, whether the row is new, whether the source's link is new.</summary>
public readonly record struct UpsertOutcome(long Id, bool Created, bool Linked);

/// <summary>
/// The SQL of indicator writes, on a connection and transaction the caller holds. Batches look existing rows up in one
/// statement (a JSON array on SQLite, an array parameter on PostgreSQL) and then write row by row with statements the
/// writer keeps compiled.
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

    sealed class Existing
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
    public static async Task<UpsertOutcome[]> UpsertAsync(DbConnection c, DbTransaction tx, long orgId, IndicatorSource source, IReadOnlyList<PendingIndicator> items, long run, long now)
    {
        var pg = IsPg(c);
        var key = SourceKey(source);
        var p = new DynamicParameters();
        p.Add("org", orgId);
        p.Add("key", key);
        var values = items.Select(i => i.Value).Distinct(StringComparer.Ordinal).ToArray();
        string sql;
        if (pg)
        {
            p.Add("values", values);
            sql = $"SELECT {ExistingColumns} FROM unnest(@values) AS j(value) JOIN indicators i ON i.org_id = @org AND md5(i.value) = md5(j.value) AND i.value = j.value LEFT JOIN indicator_sources s ON s.indicator_id = i.id AND s.source_key = @key";
        }
        else
        {
            p.Add("values", JsonSerializer.Serialize(values));
            // CROSS JOIN keeps SQLite's planner from scanning indicators: the value list drives the index lookups.
            sql = $"SELECT {ExistingColumns} FROM json_each(@values) j CROSS JOIN indicators i LEFT JOIN indicator_sources s ON s.indicator_id = i.id AND s.source_key = @key WHERE i.org_id = @org AND i.value = j.value";
        }
        var existing = new Dictionary<(string, string), Existing>();
        foreach (var e in await c.QueryAsync<Existing>(sql, p, tx))
            existing[(e.Type, e.Value)] = e;

        var insert = pg
            ? "INSERT INTO indicators (org_id, type, value, kind, category, to_ids, first_seen, last_seen, tlp, confidence, comment, tags, warninglists, created_at, updated_at) VALUES (@org, @type, @value, @kind, @category, @toIds, @firstSeen, @lastSeen, @tlp, @confidence, @comment, @tags, @warninglists, @now, @now) ON CONFLICT (org_id, md5(value), type) DO NOTHING RETURNING id"
            : "INSERT INTO indicators (org_id, type, value, kind, category, to_ids, first_seen, last_seen, tlp, confidence, comment, tags, warninglists, created_at, updated_at) VALUES (@org, @type, @value, @kind, @category, @toIds, @firstSeen, @lastSeen, @tlp, @confidence, @comment, @tags, @warninglists, @now, @now) ON CONFLICT (org_id, value, type) DO NOTHING RETURNING id";
        const string update = "UPDATE indicators SET to_ids = @toIds, first_seen = @firstSeen, last_seen = @lastSeen, tlp = @tlp, confidence = @confidence, comment = @comment, tags = @tags, warninglists = @warninglists, updated_at = @now WHERE id = @id";
        const string link = """
            INSERT INTO indicator_sources (indicator_id, org_id, source_key, source_kind, source_name, feed_id, source_ref, first_reported, last_reported, run_id, context)
            VALUES (@id, @org, @key, @kind, @name, @feedId, @sourceRef, @now, @now, @run, @context)
            ON CONFLICT (indicator_id, source_key) DO UPDATE SET source_name = excluded.source_name,
              source_ref = COALESCE(excluded.source_ref, indicator_sources.source_ref), last_reported = excluded.last_reported,
              run_id = excluded.run_id, context = COALESCE(excluded.context, indicator_sources.context)
            """;

        var outcomes = new UpsertOutcome[items.Count];
        // One write order (type, value) whatever the feed's order: concurrent imports naming the same indicators then
        // lock rows in the same order on PostgreSQL and queue instead of deadlocking.
        var order = Enumerable.Range(0, items.Count)
            .OrderBy(i => items[i].Value, StringComparer.Ordinal).ThenBy(i => items[i].Type, StringComparer.Ordinal);
        foreach (var index in order)
        {
            var item = items[index];
            long id;
            bool created = false, linked;
            if (!existing.TryGetValue((item.Type, item.Value), out var row))
            {
                var newId = await c.ExecuteScalarAsync<long?>(insert, new
                {
                    org = orgId,
                    type = item.Type,
                    value = item.Value,
                    kind = KindName(item.Type),
                    category = item.Category,
                    toIds = item.ToIds,
                    firstSeen = item.FirstSeen,
                    lastSeen = item.LastSeen,
                    tlp = (int)item.Tlp,
                    confidence = item.Confidence,
                    comment = item.Comment,
                    tags = IndicatorJson.Tags(item.Tags),
                    warninglists = item.Warninglists.Count == 0 ? null : IndicatorJson.Tags(item.Warninglists),
                    now,
                }, tx);
                if (newId is { } inserted)
                {
                    id = inserted;
                    created = linked = true;
                }
                else
                {
                    // Another transaction inserted it since the lookup (PostgreSQL, concurrent imports): link to its row.
                    id = await c.ExecuteScalarAsync<long>(pg
                        ? "SELECT id FROM indicators WHERE org_id = @org AND md5(value) = md5(@value) AND value = @value AND type = @type"
                        : "SELECT id FROM indicators WHERE org_id = @org AND value = @value AND type = @type", new { org = orgId, value = item.Value, type = item.Type }, tx);
                    linked = true;
                }
            }
            else
            {
                id = row.Id;
                linked = row.LinkedAt is null;
                var merged = Merge(row, item);
                if (merged is not null)
                    await c.ExecuteAsync(update, new
                    {
                        id,
                        toIds = merged.ToIds,
                        firstSeen = merged.FirstSeen,
                        lastSeen = merged.LastSeen,
                        tlp = merged.Tlp,
                        confidence = merged.Confidence,
                        comment = merged.Comment,
                        tags = merged.Tags,
                        warninglists = merged.Warninglists,
                        now,
                    }, tx);
            }
            await c.ExecuteAsync(link, new
            {
                id,
                org = orgId,
                key,
                kind = source.Kind,
                name = source.Name,
                feedId = source.FeedId,
                sourceRef = item.SourceRef,
                now,
                run,
                context = item.Context,
            }, tx);
            outcomes[index] = new UpsertOutcome(id, created, linked);
        }
        return outcomes;
    }

    /// <summary>The merged row when the report changes anything, else null (a re-pull of an unchanged feed only touches links).</summary>
    static Existing? Merge(Existing row, PendingIndicator item)
    {
        var tags = IndicatorJson.ReadList(row.Tags);
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

    public static string KindName(string type) =>
        (IndicatorTypes.Parts(type) is { } parts ? IndicatorTypes.KindOf(parts[0]) : IndicatorTypes.KindOf(type)).ToString().ToLowerInvariant();

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
        p.Add("key", sourceKey);
        var inIds = InList(c, p, "indicator_id", "ids", ids);
        await c.ExecuteAsync($"DELETE FROM indicator_sources WHERE source_key = @key AND {inIds}", p, tx);
        var q = new DynamicParameters();
        var inRows = InList(c, q, "id", "ids", ids);
        await c.ExecuteAsync($"""
            DELETE FROM indicators WHERE {inRows}
              AND NOT EXISTS (SELECT 1 FROM indicator_sources s WHERE s.indicator_id = indicators.id)
              AND NOT EXISTS (SELECT 1 FROM indicator_sightings g WHERE g.indicator_id = indicators.id)
            """, q, tx);
        return ids.Count;
    }
}
