using Microsoft.AspNetCore.Http.HttpResults;
using Quell.Enrichment;
using Quell.Http;
using Quell.Identity;
using Quell.Intel.Flagging;
using Quell.Scoring;
using Quell.Storage;

namespace Quell.Server.Ui.Shared;

/// <summary>
/// What quell.js polls while an alert or case page has analyzer runs pending: an HTML fragment with each observable's
/// intel and enrichment badges, the score panel and how many runs are still pending (<see cref="EnrichmentLiveFragment"/>).
/// HTML rather than JSON so the badges and the explanation are rendered, encoded and defanged by the same components
/// as the page, not a second time in script. One read: the score's own load of observables, intel and reports.
/// </summary>
public static class EnrichmentLive
{
    public static IEndpointRouteBuilder MapEnrichmentLive(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/alerts/{id:long}/live", (long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct) =>
            FragmentAsync(FlagSource.AlertKind, id, caller, db, scorer, time, ct)).RequirePermission(Permission.AlertRead).ExcludeFromDescription();
        app.MapGet("/ui/cases/{id:long}/live", (long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct) =>
            FragmentAsync(FlagSource.CaseKind, id, caller, db, scorer, time, ct)).RequirePermission(Permission.CaseRead).ExcludeFromDescription();
        return app;
    }

    /// <summary>The address an alert's or case's page polls.</summary>
    public static string Url(string of, long id) => $"/ui/{of}s/{id}/live";

    static async Task<IResult> FragmentAsync(string of, long id, Caller caller, Db db, Scorer scorer, TimeProvider time, CancellationToken ct)
    {
        var owner = await db.ReadAsync(async c =>
        {
            var o = await ScoreReads.LoadAsync(c, caller.OrgId, of, id, time.GetUtcNow());
            if (o is not null)
                await EnrichmentSummaries.AttachAsync(c, caller.OrgId, o.Observables);
            return o;
        }, ct);
        if (owner is null)
            return Problems.NotFound(of, id);
        return new RazorComponentResult<EnrichmentLiveFragment>(new { owner.Observables, Score = owner.Score(scorer) });
    }
}
