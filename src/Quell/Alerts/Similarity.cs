using System.Data.Common;
using Dapper;
using Npgsql;
using Quell.Storage;

namespace Quell.Alerts;

/// <summary>Another alert or case sharing observables with an alert: how many in all and per data type.</summary>
public sealed class SimilarItem
{
    public long Id { get; set; }
    public long? Number { get; set; }
    public string Title { get; set; } = "";
    public string Status { get; set; } = "";
    public int Severity { get; set; }
    public int SharedCount { get; set; }
    public Dictionary<string, int> SharedByType { get; set; } = [];
}

/// <summary>An observable of the alert left out of the comparison because more than <see cref="Similarity.CommonAbove"/> alerts or cases hold it.</summary>
public sealed record CommonObservable(string DataType, string Data, string Kind);

public sealed record SimilarResult(IReadOnlyList<SimilarItem> Alerts, IReadOnlyList<SimilarItem> Cases, IReadOnlyList<CommonObservable> TooCommon);

/// <summary>
/// Similar alerts and cases by shared observables (TheHive's "similar cases" panel, for both kinds). A value held by
/// more than <see cref="CommonAbove"/> alerts (or cases) is left out and listed instead, as MISP does with its
/// over-correlating values: a browser user agent or a company's mail domain says nothing about similarity, and
/// joining it would read hundreds of thousands of rows for each page view.
/// </summary>
public static class Similarity
{
    const int MaxItems = 50;
    public const int CommonAbove = 1000;

    public static async Task<SimilarResult> FindAsync(DbConnection c, long orgId, long alertId)
    {
        var (alerts, commonInAlerts) = await SharingAsync(c, orgId, alertId, "alert_observables", "alert_id");
        var (cases, commonInCases) = await SharingAsync(c, orgId, alertId, "case_observables", "case_id");
        if (alerts.Count > 0)
        {
            var info = (await c.QueryAsync<(long Id, string Title, string Status, long Severity)>(
                $"SELECT id, title, status, severity FROM alerts WHERE org_id = @orgId AND {Db.In(c, "id", "@ids")}", new { orgId, ids = alerts.Keys.ToArray() })).ToDictionary(r => r.Id);
            foreach (var (id, item) in alerts)
                if (info.TryGetValue(id, out var r))
                    (item.Title, item.Status, item.Severity) = (r.Title, r.Status, (int)r.Severity);
        }
        if (cases.Count > 0)
        {
            var info = (await c.QueryAsync<(long Id, long Number, string Title, string Status, long Severity)>(
                $"SELECT id, number, title, status, severity FROM cases WHERE org_id = @orgId AND {Db.In(c, "id", "@ids")}", new { orgId, ids = cases.Keys.ToArray() })).ToDictionary(r => r.Id);
            foreach (var (id, item) in cases)
                if (info.TryGetValue(id, out var r))
                    (item.Number, item.Title, item.Status, item.Severity) = (r.Number, r.Title, r.Status, (int)r.Severity);
        }
        return new SimilarResult(Order(alerts), Order(cases), [.. commonInAlerts, .. commonInCases]);
    }

    /// <summary>
    /// Owners in <paramref name="table"/> sharing the alert's observables, counted per data type. First each value's
    /// owners are counted, stopping past the limit (an index-only probe), then only the values under it are joined.
    /// </summary>
    static async Task<(Dictionary<long, SimilarItem> Top, List<CommonObservable> Common)> SharingAsync(
        DbConnection c, long orgId, long alertId, string table, string owner)
    {
        // The (org_id, key, owner) index: the value itself on SQLite, its md5 on PostgreSQL (migration 8).
        var key = c is NpgsqlConnection ? "data_md5" : "data";
        // The alert itself is among the owners in alert_observables.
        var self = table == "alert_observables" ? 1 : 0;
        var values = (await c.QueryAsync<(long Id, string DataType, string Data, long Owners)>($"""
            SELECT o1.id, o1.data_type, o1.data,
              (SELECT COUNT(*) FROM (SELECT 1 FROM {table} o2 WHERE o2.org_id = o1.org_id AND o2.{key} = o1.{key} LIMIT @probe) x)
            FROM alert_observables o1
            WHERE o1.alert_id = @alertId AND o1.org_id = @orgId
            """, new { alertId, orgId, probe = CommonAbove + self + 1 })).ToList();
        var common = values.Where(v => v.Owners - self > CommonAbove)
            .Select(v => new CommonObservable(v.DataType, v.Data, table == "alert_observables" ? "alerts" : "cases")).ToList();
        var compared = values.Where(v => v.Owners - self is > 0 and <= CommonAbove).Select(v => v.Id).ToArray();
        if (compared.Length == 0)
            return ([], common);
        var pairs = await c.QueryAsync<(long Id, string Type, long Count)>($"""
            SELECT o2.{owner}, o2.data_type, COUNT(*)
            FROM alert_observables o1
            JOIN {table} o2 ON o2.org_id = o1.org_id AND o2.{key} = o1.{key} AND o2.data = o1.data AND o2.data_type = o1.data_type
            WHERE o1.org_id = @orgId AND {Db.In(c, "o1.id", "@compared")}{(self == 1 ? " AND o2.alert_id <> o1.alert_id" : "")}
            GROUP BY o2.{owner}, o2.data_type
            """, new { orgId, compared });
        return (Top(pairs), common);
    }

    static Dictionary<long, SimilarItem> Top(IEnumerable<(long Id, string Type, long Count)> pairs) =>
        pairs.GroupBy(p => p.Id)
            .Select(g => new SimilarItem { Id = g.Key, SharedCount = (int)g.Sum(p => p.Count), SharedByType = g.ToDictionary(p => p.Type, p => (int)p.Count) })
            .OrderByDescending(i => i.SharedCount).ThenByDescending(i => i.Id)
            .Take(MaxItems)
            .ToDictionary(i => i.Id);

    static List<SimilarItem> Order(Dictionary<long, SimilarItem> items) =>
        items.Values.OrderByDescending(i => i.SharedCount).ThenByDescending(i => i.Id).ToList();
}
