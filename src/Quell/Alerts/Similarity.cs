using System.Data.Common;
using Dapper;
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

public sealed record SimilarResult(IReadOnlyList<SimilarItem> Alerts, IReadOnlyList<SimilarItem> Cases);

/// <summary>Similar alerts and cases by shared observables (TheHive's "similar cases" panel, for both kinds).</summary>
public static class Similarity
{
    const int MaxItems = 50;

    public static async Task<SimilarResult> FindAsync(DbConnection c, long orgId, long alertId)
    {
        var alertPairs = await c.QueryAsync<(long Id, string Type, long Count)>("""
            SELECT o2.alert_id, o2.data_type, COUNT(*)
            FROM alert_observables o1
            JOIN alert_observables o2 ON o2.org_id = o1.org_id AND o2.data = o1.data AND o2.data_type = o1.data_type AND o2.alert_id <> o1.alert_id
            WHERE o1.alert_id = @alertId AND o1.org_id = @orgId
            GROUP BY o2.alert_id, o2.data_type
            """, new { alertId, orgId });
        var casePairs = await c.QueryAsync<(long Id, string Type, long Count)>("""
            SELECT o2.case_id, o2.data_type, COUNT(*)
            FROM alert_observables o1
            JOIN case_observables o2 ON o2.org_id = o1.org_id AND o2.data = o1.data AND o2.data_type = o1.data_type
            WHERE o1.alert_id = @alertId AND o1.org_id = @orgId
            GROUP BY o2.case_id, o2.data_type
            """, new { alertId, orgId });

        var alerts = Top(alertPairs);
        var cases = Top(casePairs);
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
        return new SimilarResult(Order(alerts), Order(cases));
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
