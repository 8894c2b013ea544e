using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Cases;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Alerts;

public static class AlertEndpoints
{
    public const int MaxBulkItems = 1000;
    public const int MaxBulkBytes = 16 << 20;

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        g.MapPost("", Create).RequirePermission(Permission.AlertWrite)
            .WithSummary("Create an alert, or update it when (source, sourceRef) exists (201 created / 200 updated)");
        g.MapPost("/_bulk", Bulk).RequirePermission(Permission.AlertWrite)
            .WithSummary("Create or update up to 1,000 alerts in one transaction (all or nothing)");
        g.MapGet("", List).RequirePermission(Permission.AlertRead)
            .WithSummary("List alerts: filters status, severity, source, tag, observable, intelMatched, from, to, read, q; sort; keyset cursor");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.AlertRead).WithSummary("An alert with its observables and their live intel matches");
        g.MapGet("/{id:long}/similar", Similar).RequirePermission(Permission.AlertRead)
            .WithSummary("Alerts and cases sharing observables with this alert, with counts per data type");
        foreach (var flag in Enum.GetValues<AlertFlag>())
            g.MapPost("/{id:long}/" + flag.ToString().ToLowerInvariant(), (long id, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct) =>
                    SetFlag(id, flag, caller, db, store, time, ct))
                .RequirePermission(Permission.AlertWrite).WithSummary($"Mark the alert {flag.ToString().ToLowerInvariant()}");
        g.MapPost("/{id:long}/case", Promote).RequirePermission(Permission.CaseWrite)
            .WithSummary("Promote the alert to a new case (201, {id, number}); body optional: {caseTemplate}");
        g.MapPost("/{id:long}/merge/{caseId:long}", Merge).RequirePermission(Permission.CaseWrite)
            .WithSummary("Merge the alert into an existing case");
        return app;
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = AlertInput.Parse(doc!.RootElement, errors);
        if (input is null)
            return Problems.Invalid(errors);
        var (result, view) = await db.WriteAsync(async (c, tx) =>
        {
            var r = await store.UpsertAsync(c, tx, caller.OrgId, input, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
            return (r, await AlertStore.GetViewAsync(c, caller.OrgId, r.Id, tx));
        }, ct);
        return result.Created
            ? TypedResults.Created($"/api/v1/alerts/{result.Id}", view)
            : TypedResults.Ok(view);
    }

    static async Task<IResult> Bulk(HttpRequest request, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, MaxBulkBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var root = doc!.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("alerts", out var inner))
            root = inner;
        if (root.ValueKind != JsonValueKind.Array)
            return Problems.Invalid("body", "body must be a JSON array of alerts (or {\"alerts\": [...]})");
        if (root.GetArrayLength() > MaxBulkItems)
            return Problems.Invalid("body", $"a bulk request holds at most {MaxBulkItems} alerts");
        var errors = new InputErrors();
        var inputs = new List<AlertInput>();
        var i = 0;
        foreach (var item in root.EnumerateArray())
        {
            var input = AlertInput.Parse(item, errors, $"[{i++}].");
            if (input is not null)
                inputs.Add(input);
        }
        if (errors.Any)
            return Problems.Invalid(errors);
        // Alerts are written in one order (source, sourceRef) whatever the order of the request, so that bulk posts
        // naming the same alerts lock their rows in the same order and queue instead of deadlocking on PostgreSQL.
        // The sort is stable: repeats of one alert in a request still apply in request order. Answers keep request order.
        var writeOrder = Enumerable.Range(0, inputs.Count)
            .OrderBy(i => inputs[i].Source, StringComparer.Ordinal).ThenBy(i => inputs[i].SourceRef, StringComparer.Ordinal).ToList();
        var results = await db.WriteAsync(async (c, tx) =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var list = new object[inputs.Count];
            foreach (var i in writeOrder)
            {
                var r = await store.UpsertAsync(c, tx, caller.OrgId, inputs[i], caller.Actor, now);
                list[i] = new { id = r.Id, status = r.Created ? "created" : "updated", inputs[i].SourceRef };
            }
            return list;
        }, ct);
        return TypedResults.Ok(new { count = results.Length, items = results });
    }

    static async Task<IResult> List(HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = AlertQuery.Parse(new QueryParams(request.Query, errors));
        if (errors.Any)
            return Problems.Invalid(errors);
        try
        {
            var page = await db.ReadAsync(c => query.RunAsync(c, db, caller.OrgId), ct);
            return TypedResults.Ok(new { items = page.Items, next = page.Next });
        }
        catch (ArgumentException e)
        {
            return Problems.Invalid("cursor", e.Message);
        }
    }

    static async Task<IResult> Get(long id, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var view = await db.ReadAsync(c => AlertStore.GetViewWithIntelAsync(c, caller.OrgId, id, time.GetUtcNow()), ct);
        return view is null ? Problems.NotFound("alert", id) : TypedResults.Ok(view);
    }

    static async Task<IResult> Similar(long id, Caller caller, Db db, CancellationToken ct)
    {
        var result = await db.ReadAsync(async c =>
            await AlertStore.GetRowAsync(c, caller.OrgId, id) is null ? null : await Similarity.FindAsync(c, caller.OrgId, id), ct);
        return result is null ? Problems.NotFound("alert", id) : TypedResults.Ok(result);
    }

    static async Task<IResult> SetFlag(long id, AlertFlag flag, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct)
    {
        var view = await db.WriteAsync(async (c, tx) =>
            await store.SetFlagAsync(c, tx, caller.OrgId, id, flag, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds())
                ? await AlertStore.GetViewAsync(c, caller.OrgId, id, tx)
                : null, ct);
        return view is null ? Problems.NotFound("alert", id) : TypedResults.Ok(view);
    }

    static async Task<IResult> Promote(long id, HttpRequest request, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct)
    {
        string? templateName = null;
        if (request.ContentLength > 0)
        {
            var (doc, error) = await JsonBody.ReadAsync(request, 64 * 1024, ct);
            if (error is not null)
                return error;
            using var _ = doc;
            var errors = new InputErrors();
            var f = JsonFields.ForObject(doc!.RootElement, errors);
            templateName = f?.String("caseTemplate", maxLength: 256);
            if (errors.Any)
                return Problems.Invalid(errors);
        }
        try
        {
            return await db.WriteAsync<IResult>(async (c, tx) =>
            {
                var alert = await AlertStore.GetRowAsync(c, caller.OrgId, id, tx);
                if (alert is null)
                    return Problems.NotFound("alert", id);
                NewCase? fromTemplate = null;
                if (templateName is not null)
                {
                    var template = await CaseTemplates.FindAsync(c, caller.OrgId, templateName, tx);
                    if (template is null)
                        return Problems.Invalid("caseTemplate", $"caseTemplate '{templateName}' does not exist");
                    // The stricter of the alert's and the template's TLP/PAP: a RED template keeps its cases RED.
                    fromTemplate = CaseTemplates.Apply(template, alert.Title, alert.Description, alert.Severity,
                        (Observables.Tlp)Math.Max(alert.Tlp, template.Tlp ?? 0), (Observables.Tlp)Math.Max(alert.Pap, template.Pap ?? 0),
                        Observables.JsonColumns.Tags(alert.TagsJson));
                }
                var created = await store.PromoteAsync(c, tx, alert, fromTemplate, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
                return TypedResults.Created($"/api/v1/cases/{created.Id}", new { id = created.Id, number = created.Number });
            }, ct);
        }
        catch (AlertLinkedException e)
        {
            return Problems.Conflict(e.Message + "; merge or unlink it instead");
        }
    }

    static async Task<IResult> Merge(long id, long caseId, Caller caller, Db db, AlertStore store, TimeProvider time, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync<IResult>(async (c, tx) =>
            {
                var alert = await AlertStore.GetRowAsync(c, caller.OrgId, id, tx);
                if (alert is null)
                    return Problems.NotFound("alert", id);
                var target = await CaseStore.GetRowAsync(c, caller.OrgId, caseId, tx);
                if (target is null)
                    return Problems.NotFound("case", caseId);
                await store.MergeIntoAsync(c, tx, alert, target, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
                return TypedResults.Ok(new { id = target.Id, number = target.Number });
            }, ct);
        }
        catch (AlertLinkedException e)
        {
            return Problems.Conflict(e.Message);
        }
    }
}
