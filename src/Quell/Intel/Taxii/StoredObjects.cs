using System.Data.Common;
using System.Text;
using Dapper;
using Quell.Http;
using Quell.Intel.Indicators;

namespace Quell.Intel.Taxii;

/// <summary>The SQL of the STIX objects held by created collections: pages by (date_added, id), and adding posted objects.</summary>
public static class StoredObjects
{
    sealed class Row
    {
        public long Id { get; set; }
        public string StixId { get; set; } = "";
        public long Version { get; set; }
        public long DateAdded { get; set; }
        public string Body { get; set; } = "";
    }

    public static async Task<TaxiiPage> ReadAsync(DbConnection c, long collectionId, TaxiiObjectQuery q)
    {
        if (!q.SpecVersionMatches)
            return TaxiiPage.Empty;
        var p = new DynamicParameters();
        p.Add("col", collectionId);
        var where = new StringBuilder("o.collection_id = @col");
        if (q.AddedAfter is { } addedAfter)
        {
            p.Add("addedAfter", addedAfter);
            where.Append(" AND o.date_added > @addedAfter");
        }
        if (q.After is { } after)
        {
            p.Add("afterAdded", after.DateAdded);
            p.Add("afterId", after.Id);
            where.Append(" AND (o.date_added > @afterAdded OR (o.date_added = @afterAdded AND o.id > @afterId))");
        }
        if (q.Ids.Count > 0)
            where.Append(" AND ").Append(IndicatorWrites.InList(c, p, "o.stix_id", "ids", q.Ids));
        if (q.Types.Count > 0)
            where.Append(" AND ").Append(IndicatorWrites.InList(c, p, "o.stix_type", "types", q.Types));
        if (!q.All)
        {
            var versions = new List<string>();
            if (q.Last)
                versions.Add("NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id AND n.stix_id = o.stix_id AND n.version > o.version)");
            if (q.First)
                versions.Add("NOT EXISTS (SELECT 1 FROM taxii_objects n WHERE n.collection_id = o.collection_id AND n.stix_id = o.stix_id AND n.version < o.version)");
            if (q.Versions.Count > 0)
                versions.Add(IndicatorWrites.InList(c, p, "o.version", "versions", q.Versions));
            where.Append(" AND (").Append(string.Join(" OR ", versions)).Append(')');
        }
        p.Add("limit", q.Limit + 1);
        var rows = (await c.QueryAsync<Row>(
            $"SELECT o.id AS Id, o.stix_id AS StixId, o.version AS Version, o.date_added AS DateAdded, o.body AS Body FROM taxii_objects o WHERE {where} ORDER BY o.date_added, o.id LIMIT @limit", p)).AsList();
        var more = rows.Count > q.Limit;
        if (more)
            rows.RemoveAt(rows.Count - 1);
        return new TaxiiPage(rows.Select(r => new TaxiiItem(r.StixId, r.DateAdded, r.Version, r.Body)).ToList(), more,
            more ? Cursor.Encode(rows[^1].DateAdded, rows[^1].Id) : null);
    }

    /// <summary>Adds one object version; false when the collection already holds that id at that version (TAXII keeps the first).</summary>
    public static async Task<bool> AddAsync(DbConnection c, DbTransaction tx, long collectionId, string stixId, string stixType, long version, long dateAdded, string body) =>
        await c.ExecuteAsync("""
            INSERT INTO taxii_objects (collection_id, stix_id, stix_type, version, date_added, body) VALUES (@collectionId, @stixId, @stixType, @version, @dateAdded, @body)
            ON CONFLICT (collection_id, stix_id, version) DO NOTHING
            """, new { collectionId, stixId, stixType, version, dateAdded, body }, tx) > 0;
}
