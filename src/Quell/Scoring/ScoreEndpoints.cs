using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Enrichment;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Flagging;
using Quell.Storage;

namespace Quell.Scoring;

/// <summary>
/// <c>GET /api/v1/alerts/{id}/score</c>, <c>/cases/{id}/score</c> and <c>/observables/{id}/score</c> (with
/// <c>?of=alert|case</c> as for reports): score 0–100, verdict, and every contribution that made it.
/// </summary>
public static class ScoreEndpoints
{
    public static IEndpointRouteBuilder MapScoreEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/alerts/{id:long}/score", (long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct) =>
                OwnerAsync(FlagSource.AlertKind, id, caller, db, scorer, time, ct))
            .RequirePermission(Permission.AlertRead).WithTags("Scoring").WithSummary("The alert's combined score, verdict and explanation (contributions)");
        app.MapGet("/api/v1/cases/{id:long}/score", (long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct) =>
                OwnerAsync(FlagSource.CaseKind, id, caller, db, scorer, time, ct))
            .RequirePermission(Permission.CaseRead).WithTags("Scoring").WithSummary("The case's combined score, verdict and explanation (contributions)");
        app.MapGet("/api/v1/observables/{id:long}/score", Observable)
            .RequirePermission(Permission.AlertRead).WithTags("Scoring").WithSummary("The observable's score, verdict and explanation; ?of=alert|case when the id names both");
        app.MapResolveEndpoints();
        return app;
    }

    /// <summary>The score of an alert or case, or null when it is not in the organisation.</summary>
    public static async Task<OwnerScore?> ScoreAsync(Db db, Scorer scorer, long orgId, string of, long id, DateTimeOffset now, CancellationToken ct)
    {
        var owner = await db.ReadAsync(c => ScoreReads.LoadAsync(c, orgId, of, id, now), ct);
        return owner?.Score(scorer);
    }

    static async Task<IResult> OwnerAsync(string of, long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct) =>
        await ScoreAsync(db, scorer, caller.OrgId, of, id, time.GetUtcNow(), ct) is { } score ? TypedResults.Ok(score) : Problems.NotFound(of, id);

    static async Task<IResult> Observable(long id, HttpRequest request, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct)
    {
        var (o, problem) = await AnalyzeEndpoints.FindAsync(id, request, caller, db, ct);
        if (o is null)
            return problem!;
        var owner = await ScoreAsync(db, scorer, caller.OrgId, o.Kind, o.OwnerId, time.GetUtcNow(), ct);
        var score = owner?.Observables.FirstOrDefault(s => s.Id == o.Id);
        return score is null ? Problems.NotFound("observable", id) : TypedResults.Ok(new { of = o.Kind, ownerId = o.OwnerId, score = score.Score, score.Verdict, score.LogOdds, score.Points, score.Contributions, score.History, score.DataType, score.Data, score.Id });
    }
}
