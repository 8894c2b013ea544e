using System.Data.Common;
using System.Text;
using Dapper;
using Npgsql;
using Quell.Http;

namespace Quell.Intel.Indicators;

/// <summary>Prefix search: pages in value order, read from the value index by keyset.</summary>
public sealed partial class IndicatorQuery
{
    /// <summary>PostgreSQL's indexed key of a value (migration 9): its first characters in byte order.</summary>
    static readonly string PgKey = $"left(i.value, {PrefixIndexLength}) COLLATE \"C\"";

    /// <summary>
    /// "The value starts with <see cref="Prefix"/>" as a range on the value (on PostgreSQL, on its indexed first
    /// characters) instead of LIKE: an index serves it whatever the collation, and '%' or '_' in a URL are not wildcards.
    /// </summary>
    string PrefixRange(DynamicParameters p, bool pg)
    {
        p.Add("lo", Prefix);
        p.Add("hi", Prefix + "\U0010FFFF");
        return pg ? $" AND {PgKey} >= @lo AND {PgKey} < @hi" : " AND i.value >= @lo AND i.value < @hi";
    }

    /// <remarks>
    /// The value index is read in its own order from the cursor's indicator on: SQLite's unique (org, value, type),
    /// PostgreSQL's (org, first 256 characters) with the id breaking ties. Each step reads one window of index entries
    /// (at most <see cref="Window"/>, or only one page's worth without filters), then the rows of that window with the
    /// other filters; a LIMIT on the filtered rows alone would walk the whole range when a filter is rare. Before, a
    /// prefix page was sorted newest first, so <c>http://</c> at 10 M indicators read and sorted millions of entries.
    /// </remarks>
    async Task<Page> RunPrefixAsync(DbConnection c, long orgId, DateTimeOffset now)
    {
        var pg = c is NpgsqlConnection;
        var p = new DynamicParameters();
        p.Add("org", orgId);
        var range = PrefixRange(p, pg);
        var filters = new StringBuilder();
        AppendFilters(filters, p);
        var postFilter = MinScore is not null || State is "active" or "expired";
        var filtered = filters.Length > 0 || postFilter;
        // Without filters one page's worth is read; with them, windows grow from four pages' worth to Window.
        var window = filtered ? (int)Math.Min(Window, 4 * (Limit + 1)) : Limit + 1;
        var order = pg ? $"{PgKey}, i.id" : "i.value, i.type";
        var items = new List<IndicatorView>();
        long? after = Before;
        long scanned = 0;
        while (true)
        {
            var keyset = "";
            if (after is { } id)
            {
                var key = (await c.QueryAsync<(string Key, string Type)>(
                    pg ? $"SELECT {PgKey}, i.type FROM indicators i WHERE i.id = @id AND i.org_id = @org" : "SELECT i.value, i.type FROM indicators i WHERE i.id = @id AND i.org_id = @org",
                    new { id, org = orgId })).ToList();
                if (key.Count == 0)
                    return new Page([], null, "the indicator this cursor continues after was removed; start again without the cursor");
                p.Add("akey", key[0].Key);
                p.Add("atype", key[0].Type);
                p.Add("aid", id);
                // SQLite seeks to one lower bound only: with @lo beside the row value it scanned from the prefix's
                // start (13 ms per page half-way through 129,000 URLs). The cursor's key starts with the prefix anyway.
                keyset = pg
                    ? $" AND {PgKey} >= @akey AND ({PgKey} > @akey OR i.id > @aid)"
                    : " AND (i.value, i.type) > (@akey, @atype)";
                if (!pg)
                    range = " AND i.value < @hi";
            }
            p.Add("window", window);
            var ids = (await c.QueryAsync<long>(
                $"SELECT i.id FROM indicators i WHERE i.org_id = @org{range}{keyset} ORDER BY {order} LIMIT @window", p)).AsList();
            scanned += ids.Count;
            var rows = ids.Count == 0 ? [] : (await c.QueryAsync<IndicatorRow>(
                $"SELECT {IndicatorRow.Columns} FROM indicators i WHERE {IndicatorWrites.InList(c, p, "i.id", "ids", ids)}{filters}", p)).AsList();
            var byId = rows.ToDictionary(r => r.Id);
            var candidates = ids.Where(byId.ContainsKey).Select(id => byId[id]).ToList();
            // Sources and sightings are read for the rows the page can still take, unless a score or expiry filter
            // needs them to decide.
            if (!postFilter)
                candidates = candidates.Take(Limit + 1 - items.Count).ToList();
            foreach (var view in await IndicatorReads.ViewsAsync(c, candidates, now))
            {
                if (!Keep(view))
                    continue;
                if (items.Count == Limit)
                    return new Page(items, Cursor.Encode(items[^1].Id));
                items.Add(view);
            }
            if (ids.Count < window)
                return new Page(items, null);
            after = ids[^1];
            if (scanned >= ScanBudget)
                return new Page(items, Cursor.Encode(after.Value));
            if (filtered)
                window = (int)Math.Min(Window, window * 4L);
        }
    }
}
