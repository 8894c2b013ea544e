using System.Buffers;
using System.Data.Common;
using System.Text;
using System.Text.Json;
using Dapper;
using Quell.Http;
using Quell.Intel.Export;
using Quell.Intel.Indicators;
using Quell.Intel.Stix;

namespace Quell.Intel.Taxii;

/// <summary>
/// The built-in collection: the organisation's active indicators with a STIX pattern, written as the STIX export
/// writes them. An indicator's date_added is its last change in the store (a new source, tags, a sighting), so a
/// client polling with added_after gets changed indicators again; its version (<c>modified</c>) is that same time.
/// Pages go in (updated_at, id) order: an indicator changed while a client pages moves behind it and is not lost.
/// </summary>
public static class IndicatorObjects
{
    /// <summary>Rows read for one page at most: filters (inactive, no pattern, match[id]) must not make one request scan the store.</summary>
    const int MaxScanned = 10_000;

    public static async Task<TaxiiPage> ReadAsync(DbConnection c, long orgId, TaxiiObjectQuery q, DateTimeOffset now)
    {
        if (!q.SpecVersionMatches || (q.Types.Count > 0 && !q.Types.Contains("indicator")))
            return TaxiiPage.Empty;
        var ids = q.Ids.Count > 0 ? q.Ids.ToHashSet(StringComparer.Ordinal) : null;
        var identityId = StixBundleWriter.IdentityId();
        var chunk = Math.Clamp(q.Limit * 2, 100, 2000);
        var items = new List<TaxiiItem>();
        var (afterAdded, afterId) = q.After ?? (long.MinValue, 0);
        var scanned = 0;
        while (true)
        {
            var p = new DynamicParameters();
            p.Add("org", orgId);
            p.Add("afterAdded", afterAdded);
            p.Add("afterId", afterId);
            p.Add("addedAfter", q.AddedAfter ?? long.MinValue);
            p.Add("limit", chunk);
            var rows = (await c.QueryAsync<IndicatorRow>($"""
                SELECT {IndicatorRow.Columns} FROM indicators i
                WHERE i.org_id = @org AND i.updated_at > @addedAfter AND (i.updated_at > @afterAdded OR (i.updated_at = @afterAdded AND i.id > @afterId))
                ORDER BY i.updated_at, i.id LIMIT @limit
                """, p)).AsList();
            var views = await IndicatorReads.ViewsAsync(c, rows, now);
            for (var n = 0; n < rows.Count; n++)
            {
                (afterAdded, afterId) = (rows[n].UpdatedAt, rows[n].Id);
                if (Item(views[n], ids, q, identityId) is { } item)
                {
                    items.Add(item);
                    if (items.Count == q.Limit)
                    {
                        var more = n < rows.Count - 1 || rows.Count == chunk;
                        return new TaxiiPage(items, more, more ? Cursor.Encode(afterAdded, afterId) : null);
                    }
                }
            }
            scanned += rows.Count;
            if (rows.Count < chunk)
                return new TaxiiPage(items, false, null);
            if (scanned >= MaxScanned)
                return new TaxiiPage(items, true, Cursor.Encode(afterAdded, afterId));
        }
    }

    static TaxiiItem? Item(IndicatorView v, HashSet<string>? ids, TaxiiObjectQuery q, string identityId)
    {
        if (!ExportFilter.Active.Keeps(v))
            return null;
        // created must not move between requests: an indicator without a first-seen time was created when Quell stored it.
        var e = ExportFilter.ToExport(v) with { FirstSeen = v.FirstSeen ?? v.CreatedAt };
        var id = "indicator--" + e.Uuid;
        if (ids is not null && !ids.Contains(id))
            return null;
        if (StixPatternBuilder.For(e.Type, e.Value, out _) is not { } pattern)
            return null;
        var version = StixBundleWriter.Modified(e, v.CreatedAt, v.UpdatedAt).ToUnixTimeMilliseconds() * 1000;
        if (!q.VersionMatches(version, isLast: true, isFirst: true))
            return null;
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, TaxiiMedia.Writer))
            StixBundleWriter.WriteIndicator(w, e, pattern.Pattern, pattern.PatternType, identityId, v.CreatedAt, v.UpdatedAt);
        return new TaxiiItem(id, v.UpdatedAt.ToUnixTimeMilliseconds(), version, Encoding.UTF8.GetString(buffer.WrittenSpan));
    }
}
