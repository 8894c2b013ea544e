using System.Data.Common;
using Dapper;
using Quell.Intel.Indicators;
using Quell.Observables;

namespace Quell.Intel.Flagging;

/// <summary>The intel matches of the observables an alert or a case view shows.</summary>
public static class ObservableIntelReads
{
    /// <summary>
    /// Sets <see cref="Observable.Intel"/> on each of <paramref name="observables"/> (all of one owner) to its live
    /// matches: indicators that are neither suppressed nor expired (scored at <paramref name="now"/>) nor on a
    /// warninglist. Matches of other indicators stay recorded and count again when the indicator does (a new report
    /// refreshes it, a true-positive sighting lifts a suppression). One statement when nothing matched.
    /// </summary>
    public static async Task AttachAsync(DbConnection c, long orgId, string ownerKind, long ownerId, IReadOnlyList<Observable>? observables,
        DateTimeOffset now, DbTransaction? tx = null)
    {
        if (observables is null)
            return;
        var rows = (await c.QueryAsync<(long ObservableId, long IndicatorId, string Kind, long At)>("""
            SELECT observable_id, indicator_id, match_kind, matched_at FROM observable_intel_matches
            WHERE org_id = @orgId AND owner_kind = @ownerKind AND owner_id = @ownerId
            """, new { orgId, ownerKind, ownerId }, tx)).AsList();
        var live = new Dictionary<long, IndicatorView>();
        if (rows.Count > 0)
        {
            var p = new DynamicParameters(new { orgId });
            var inIds = IndicatorWrites.InList(c, p, "i.id", "ids", rows.Select(r => r.IndicatorId).Distinct().ToArray());
            var indicators = (await c.QueryAsync<IndicatorRow>($"SELECT {IndicatorRow.Columns} FROM indicators i WHERE i.org_id = @orgId AND {inIds}", p, tx)).AsList();
            foreach (var v in await IndicatorReads.ViewsAsync(c, indicators, now, tx))
                if (IsLive(v))
                    live[v.Id] = v;
        }
        var byObservable = rows.Where(r => live.ContainsKey(r.IndicatorId)).ToLookup(r => r.ObservableId);
        foreach (var o in observables)
            o.Intel = byObservable[o.Id]
                .Select(r => (Match: r, View: live[r.IndicatorId]))
                .OrderByDescending(m => m.View.Score).ThenBy(m => m.View.Id)
                .Select(m => new ObservableIntel(m.View.Id, m.View.Type, m.View.Value, m.View.Score, m.View.Sources, m.Match.Kind,
                    DateTimeOffset.FromUnixTimeMilliseconds(m.Match.At)))
                .ToList();
    }

    /// <summary>A match that counts: the indicator is neither suppressed nor expired and on no warninglist.</summary>
    public static bool IsLive(IndicatorView v) => !v.Suppressed && !v.Expired && v.Warninglists.Count == 0;

    /// <summary>Matches counted on an indicator's view; beyond this the count says "at least".</summary>
    public const int MaxCounted = 10_000;

    /// <summary>How many observables the indicator matched, up to <see cref="MaxCounted"/> (a bounded index range).</summary>
    public static Task<int> CountAsync(DbConnection c, long indicatorId, DbTransaction? tx = null) =>
        c.ExecuteScalarAsync<int>($"SELECT COUNT(*) FROM (SELECT 1 FROM observable_intel_matches WHERE indicator_id = @indicatorId LIMIT {MaxCounted}) x",
            new { indicatorId }, tx);
}
