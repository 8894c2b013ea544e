using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>What an observable shows of its value's enrichment: per analyzer, the newest report's status, level and taxonomies.</summary>
public sealed record EnrichmentSummary(string Analyzer, string Status, string? Level, IReadOnlyList<Taxonomy> Taxonomies, long ReportId);

public static class EnrichmentSummaries
{
    sealed class Row
    {
        public long Id { get; set; }
        public string Analyzer { get; set; } = "";
        public string DataKey { get; set; } = "";
        public string Status { get; set; } = "";
        public string? Level { get; set; }
        public string TaxonomiesJson { get; set; } = "[]";
    }

    /// <summary>
    /// Sets <see cref="Observable.Enrichment"/> on each of <paramref name="observables"/> (a page of an alert or case):
    /// one statement for all of them, not one per observable.
    /// </summary>
    public static async Task AttachAsync(DbConnection c, long orgId, IReadOnlyList<Observable>? observables, DbTransaction? tx = null)
    {
        if (observables is null || observables.Count == 0)
            return;
        var keys = observables.Select(o => AnalyzerStore.DataKey(o.DataType, o.Data)).ToArray();
        var rows = (await c.QueryAsync<Row>($"""
            SELECT id AS Id, analyzer AS Analyzer, data_key AS DataKey, status AS Status, level AS Level, taxonomies AS TaxonomiesJson
            FROM analyzer_reports r
            WHERE org_id = @orgId AND {Storage.Db.In(c, "data_key", "@keys")}
              AND id = (SELECT MAX(id) FROM analyzer_reports l WHERE l.org_id = r.org_id AND l.data_key = r.data_key AND l.analyzer = r.analyzer)
            ORDER BY analyzer
            """, new { orgId, keys = keys.Distinct().ToArray() }, tx)).ToLookup(r => r.DataKey);
        for (var i = 0; i < observables.Count; i++)
            observables[i].Enrichment = rows[keys[i]]
                .Select(r => new EnrichmentSummary(r.Analyzer, r.Status, r.Level,
                    JsonSerializer.Deserialize<List<Taxonomy>>(r.TaxonomiesJson, AnalyzerReport.Json) ?? [], r.Id))
                .ToList();
    }
}
