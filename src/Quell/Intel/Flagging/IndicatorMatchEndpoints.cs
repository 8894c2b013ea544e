using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Indicators;
using Quell.Storage;

namespace Quell.Intel.Flagging;

/// <summary><c>GET /api/v1/indicators/{id}/matches</c>: where an indicator matched — the alerts and cases whose observables it flagged.</summary>
public static class IndicatorMatchEndpoints
{
    public static IEndpointRouteBuilder MapIndicatorMatchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/indicators/{id:long}/matches", List).WithTags("Indicators").RequirePermission(Permission.IntelRead)
            .WithSummary("Alerts and cases whose observables this indicator matched: cases first, newest first; limit, cursor");
        return app;
    }

    public sealed class MatchedObservable
    {
        public long Id { get; set; }
        public string DataType { get; set; } = "";
        public string Data { get; set; } = "";
    }

    /// <summary>One flagged observable: its alert or case (<see cref="Number"/> for cases), the observable, how and when it matched.</summary>
    public sealed record MatchItem(string Kind, long Id, long? Number, string Title, string Status, int Severity, MatchedObservable Observable,
        string MatchKind, DateTimeOffset MatchedAt);

    sealed class OwnerRow
    {
        public long Id { get; set; }
        public long? Number { get; set; }
        public string Title { get; set; } = "";
        public string Status { get; set; } = "";
        public int Severity { get; set; }
    }

    static async Task<IResult> List(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var limit = q.Int("limit", 1, 500, 50);
        var cursor = q.String("cursor", 200);
        long[]? after = null;
        if (cursor is not null && (!Cursor.TryDecode(cursor, 3, out after) || after[0] is not (0 or 1)))
            errors.Add("cursor", "cursor is not valid here; start again without it");
        if (errors.Any)
            return Problems.Invalid(errors);
        var page = await db.ReadAsync<(List<MatchItem> Items, string? Next)?>(async c =>
            await IndicatorReads.GetRowAsync(c, caller.OrgId, id) is null ? null : await PageAsync(c, caller.OrgId, id, limit, after), ct);
        return page is { } found ? TypedResults.Ok(new { items = found.Items, next = found.Next }) : Problems.NotFound("indicator", id);
    }

    /// <summary>
    /// A keyset page over (owner kind, owner, observable), all descending on the (indicator_id, …) index: cases (newest
    /// first), then alerts. Rows whose observable was removed meanwhile are left out, so a page may hold fewer items.
    /// </summary>
    static async Task<(List<MatchItem> Items, string? Next)> PageAsync(DbConnection c, long orgId, long indicatorId, int limit, long[]? after)
    {
        var p = new DynamicParameters(new { indicatorId, limit = limit + 1 });
        var where = "";
        if (after is not null)
        {
            p.Add("k0", KindName(after[0]));
            p.Add("k1", after[1]);
            p.Add("k2", after[2]);
            where = " AND (owner_kind, owner_id, observable_id) < (@k0, @k1, @k2)";
        }
        var rows = (await c.QueryAsync<(string Kind, long OwnerId, long ObservableId, string MatchKind, long At)>($"""
            SELECT owner_kind, owner_id, observable_id, match_kind, matched_at FROM observable_intel_matches
            WHERE indicator_id = @indicatorId{where}
            ORDER BY owner_kind DESC, owner_id DESC, observable_id DESC LIMIT @limit
            """, p)).AsList();
        string? next = null;
        if (rows.Count > limit)
        {
            rows.RemoveAt(rows.Count - 1);
            var last = rows[^1];
            next = Cursor.Encode(last.Kind == FlagSource.CaseKind ? 1 : 0, last.OwnerId, last.ObservableId);
        }
        var items = new List<MatchItem>();
        var owners = new Dictionary<(string, long), OwnerRow>();
        var observables = new Dictionary<(string, long), MatchedObservable>();
        foreach (var source in FlagSource.All)
        {
            var mine = rows.Where(r => r.Kind == source.OwnerKind).ToList();
            if (mine.Count == 0)
                continue;
            var ownerSql = source == FlagSource.Cases
                ? "SELECT id AS Id, number AS Number, title AS Title, status AS Status, severity AS Severity FROM cases"
                : "SELECT id AS Id, NULL AS Number, title AS Title, status AS Status, severity AS Severity FROM alerts";
            var op = new DynamicParameters(new { orgId });
            foreach (var o in await c.QueryAsync<OwnerRow>($"{ownerSql} WHERE org_id = @orgId AND {IndicatorWrites.InList(c, op, "id", "ids", mine.Select(r => r.OwnerId).Distinct().ToArray())}", op))
                owners[(source.OwnerKind, o.Id)] = o;
            var vp = new DynamicParameters(new { orgId });
            foreach (var o in await c.QueryAsync<MatchedObservable>(
                         $"SELECT id AS Id, data_type AS DataType, data AS Data FROM {source.Table} WHERE org_id = @orgId AND {IndicatorWrites.InList(c, vp, "id", "ids", mine.Select(r => r.ObservableId).ToArray())}", vp))
                observables[(source.OwnerKind, o.Id)] = o;
        }
        foreach (var r in rows)
            if (owners.TryGetValue((r.Kind, r.OwnerId), out var owner) && observables.TryGetValue((r.Kind, r.ObservableId), out var observable))
                items.Add(new MatchItem(r.Kind, owner.Id, owner.Number, owner.Title, owner.Status, owner.Severity, observable, r.MatchKind,
                    DateTimeOffset.FromUnixTimeMilliseconds(r.At)));
        return (items, next);
    }

    static string KindName(long key) => key == 1 ? FlagSource.CaseKind : FlagSource.AlertKind;
}
