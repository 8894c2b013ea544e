using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Enrichment;

/// <summary>
/// <c>POST /api/v1/observables/{id}/analyze</c> (analyst) runs every enabled analyzer that accepts the observable's
/// type; <c>GET /api/v1/observables/{id}/reports</c> shows the newest report of each analyzer about its value.
/// Observable ids are per table (alerts' and cases'): when an id names one of each, <c>?of=alert|case</c> says which.
/// </summary>
public static class AnalyzeEndpoints
{
    static readonly string[] Kinds = ["alert", "case"];

    public static IEndpointRouteBuilder MapAnalyzeEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/observables").WithTags("Enrichment");
        g.MapPost("/{id:long}/analyze", Analyze).RequirePermission(Permission.Analyze)
            .WithSummary("Run every enabled analyzer accepting the observable's type: 202 {reports}; with ?wait=true 200 when all have ended");
        // Reports are part of what an alert or case shows, which every role reads.
        g.MapGet("/{id:long}/reports", Reports).RequirePermission(Permission.AlertRead)
            .WithSummary("The newest report of each analyzer about the observable's value (taxonomies, full answer, artifacts, reason)");
        return app;
    }

    /// <summary>The observable, or the problem that says why not (unknown, or an id of both an alert's and a case's observable).</summary>
    internal static async Task<(ObservableRef? Found, IResult? Problem)> FindAsync(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var q = new QueryParams(request.Query, errors);
        var of = q.String("of", 8);
        if (of is not null && !Kinds.Contains(of))
            errors.Add("of", "of must be alert or case");
        if (errors.Any)
            return (null, Problems.Invalid(errors));
        var found = await db.ReadAsync(c => AnalyzerStore.FindObservableAsync(c, caller.OrgId, id, of), ct);
        return found.Count switch
        {
            0 => (null, Problems.NotFound("observable", id)),
            1 => (found[0], null),
            _ => (null, Problems.Conflict($"observable {id} names an alert's observable ({found[0].Data}) and a case's ({found[1].Data}); add ?of=alert or ?of=case")),
        };
    }

    static async Task<IResult> Reports(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var (o, problem) = await FindAsync(id, request, caller, db, ct);
        if (o is null)
            return problem!;
        var reports = await db.ReadAsync(c => AnalyzerStore.LatestAsync(c, caller.OrgId, o.DataType, o.Data), ct);
        return TypedResults.Ok(new { observable = View(o), reports });
    }

    static object View(ObservableRef o) => new { id = o.Id, of = o.Kind, ownerId = o.OwnerId, dataType = o.DataType, data = o.Data };

    static async Task<IResult> Analyze(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, EnrichmentQueue enrichment, AnalyzerCatalogue catalogue,
        IOptions<EnrichmentOptions> options, TimeProvider time, CancellationToken ct)
    {
        var errors = new InputErrors();
        var wait = new QueryParams(request.Query, errors).Bool("wait") ?? false;
        if (errors.Any)
            return Problems.Invalid(errors);
        var (o, problem) = await FindAsync(id, request, caller, db, ct);
        if (o is null)
            return problem!;

        var ids = await db.WriteAsync(async (c, tx) =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var settings = await AnalyzerStore.SettingsAsync(c, caller.OrgId, tx);
            var reportIds = await enrichment.QueueAsync(c, tx, caller.OrgId, o, EnrichmentQueue.Runnable(catalogue, settings, o.DataType), now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "observable.analyze", $"{o.Kind}-observable", o.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                null, new { o.DataType, reports = reportIds }));
            return reportIds.ToArray();
        }, ct);

        var reports = await db.ReadAsync(c => AnalyzerStore.GetManyAsync(c, caller.OrgId, ids), ct);
        if (wait)
        {
            var deadline = time.GetUtcNow() + options.Value.MaxWait;
            while (reports.Any(r => r.Status == ReportStatus.Pending) && time.GetUtcNow() < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), time, ct);
                reports = await db.ReadAsync(c => AnalyzerStore.GetManyAsync(c, caller.OrgId, ids), ct);
            }
        }
        var body = new { observable = View(o), reports };
        return reports.Any(r => r.Status == ReportStatus.Pending) ? TypedResults.Accepted($"/api/v1/observables/{o.Id}/reports?of={o.Kind}", body) : TypedResults.Ok(body);
    }
}
