using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Alerts;
using Quell.Audit;
using Quell.Cases;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Flagging;
using Quell.Storage;

namespace Quell.Scoring;

/// <summary>
/// <c>POST /api/v1/alerts/{id}/resolve</c> and <c>POST /api/v1/cases/{id}/resolve</c>: an analyst's verdict, recorded
/// with what it teaches the score (<see cref="Decisions"/>) in one transaction. Both close what they resolve: a case's
/// status and resolution are set as a PATCH would, an alert becomes <c>resolved</c> with the resolution.
/// </summary>
public static class ResolveEndpoints
{
    public static IEndpointRouteBuilder MapResolveEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/alerts/{id:long}/resolve", ResolveAlert).RequirePermission(Permission.AlertWrite).WithTags("Scoring")
            .WithSummary("Resolve an alert with a verdict (true-positive, false-positive, benign, duplicate, indeterminate); the first three teach the score");
        app.MapPost("/api/v1/cases/{id:long}/resolve", ResolveCase).RequirePermission(Permission.CaseWrite).WithTags("Scoring")
            .WithSummary("Resolve a case with a verdict (resolution) and record what it teaches the score");
        return app;
    }

    static async Task<(ResolveInput? Input, IResult? Problem)> ReadAsync(HttpRequest request, string[] verdicts, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return (null, error);
        using var _ = doc;
        var errors = new InputErrors();
        var input = ResolveInput.Parse(doc!.RootElement, verdicts, time.GetUtcNow().ToUnixTimeMilliseconds(), errors);
        return input is null ? (null, Problems.Invalid(errors)) : (input, null);
    }

    static async Task<IResult> ResolveAlert(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, Scorer scorer, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await ReadAsync(request, ResolveInput.Verdicts, time, ct);
        if (input is null)
            return problem!;
        var result = await ResolveAlertAsync(db, audit, scorer, caller, id, input, time.GetUtcNow(), ct);
        return result is null ? Problems.NotFound("alert", id) : TypedResults.Ok(result);
    }

    /// <summary>Records the verdict on the alert and closes it, in one transaction (the API and the alert page); null when there is no such alert.</summary>
    public static Task<object?> ResolveAlertAsync(Db db, AuditLog audit, Scorer scorer, Caller caller, long id, ResolveInput input, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync<object?>(async (c, tx) =>
        {
            var row = await AlertStore.GetRowAsync(c, caller.OrgId, id, tx);
            if (row is null)
                return null;
            // The decision is read from the alert as it stands, then the alert is closed with it.
            var result = await RecordAsync(c, tx, audit, scorer, caller, FlagSource.AlertKind, id, input, now);
            await AlertStore.ResolveAsync(c, tx, row, input.Verdict, now.ToUnixTimeMilliseconds());
            return result;
        }, ct);

    static async Task<IResult> ResolveCase(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, Scorer scorer, TimeProvider time, CancellationToken ct)
    {
        var (input, problem) = await ReadAsync(request, ResolveInput.Verdicts, time, ct);
        if (input is null)
            return problem!;
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
            if (row is null)
                return Problems.NotFound("case", id);
            var now = time.GetUtcNow();
            var patch = new CasePatch { Status = CaseStatus.Resolved, Resolution = input.Verdict, Summary = input.Comment };
            var applied = await CaseUpdate.ApplyAsync(c, tx, row, patch, caller, now.ToUnixTimeMilliseconds());
            if (applied.Error is not null)
                return applied.Error;
            var updated = (await CaseStore.GetRowAsync(c, caller.OrgId, id, tx))!;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.update", "case", id.ToString(CultureInfo.InvariantCulture),
                CaseView.From(row), CaseView.From(updated)));
            return TypedResults.Ok(await RecordAsync(c, tx, audit, scorer, caller, FlagSource.CaseKind, id, input, now));
        }, ct);
    }

    /// <summary>Records the decision and its audit entry; the answer shows the verdict, the score that was shown and the sources' reliabilities now.</summary>
    public static async Task<object> RecordAsync(System.Data.Common.DbConnection c, System.Data.Common.DbTransaction tx, AuditLog audit, Scorer scorer,
        Caller caller, string of, long id, ResolveInput input, DateTimeOffset now)
    {
        var r = await Decisions.RecordAsync(c, tx, caller.OrgId, of, id, input.Verdict, input.Comment, input.Allowlist, caller.Actor, now, scorer);
        var answer = new
        {
            decision = r.DecisionId,
            of,
            id,
            verdict = r.Verdict,
            comment = input.Comment,
            shown = new { score = r.Evidence.Score, verdict = r.Evidence.Verdict, contributions = r.Evidence.Contributions },
            reliability = r.Reliability.ToDictionary(kv => kv.Key, kv => new { kv.Value.Agree, kv.Value.Disagree, reliability = Math.Round(kv.Value.Reliability, 3) }),
            sightings = r.Sightings,
            allowlisted = input.Allowlist,
        };
        await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, $"{of}.resolve", of, id.ToString(CultureInfo.InvariantCulture), null,
            new { r.DecisionId, r.Verdict, input.Comment, input.Allowlist, score = r.Evidence.Score }));
        return answer;
    }
}
