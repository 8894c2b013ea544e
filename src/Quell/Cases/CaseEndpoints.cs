using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Cases;

public static class CaseEndpoints
{
    public static IEndpointRouteBuilder MapCaseEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/cases").WithTags("Cases");
        g.MapPost("", Create).RequirePermission(Permission.CaseWrite).WithSummary("Create a case (optionally from a case template)");
        g.MapGet("", List).RequirePermission(Permission.CaseRead)
            .WithSummary("List cases: filters status, severity, assignee, tag, observable, intelMatched, q; sort; keyset cursor");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.CaseRead).WithSummary("A case with its observables, tasks and linked alerts");
        g.MapGet("/number/{number:long}", GetByNumber).RequirePermission(Permission.CaseRead).WithSummary("A case by its number");
        g.MapPatch("/{id:long}", Update).RequirePermission(Permission.CaseWrite)
            .WithSummary("Change case fields; send `version` to be told (409) when someone else changed the case meanwhile");
        g.MapGet("/{id:long}/timeline", Timeline).RequirePermission(Permission.CaseRead)
            .WithSummary("The case's history, oldest first (limit, cursor)");
        g.MapPost("/{id:long}/merge/{otherId:long}", Merge).RequirePermission(Permission.CaseWrite)
            .WithSummary("Merge case {otherId} into case {id}: observables, tasks, comments and alerts move; {otherId} is resolved as a duplicate");
        app.MapCaseTaskEndpoints();
        app.MapCaseCommentEndpoints();
        app.MapCaseObservableEndpoints();
        app.MapCaseTemplateEndpoints();
        return app;
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, AuditLog audit, Enrichment.AutoEnrichment autoEnrichment, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var input = CaseInput.Parse(doc!.RootElement, errors);
        if (input is null)
            return Problems.Invalid(errors);
        return await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            long? assigneeId = null;
            if (input.Assignee is not null)
            {
                assigneeId = await MemberIdAsync(c, tx, caller.OrgId, input.Assignee);
                if (assigneeId is null)
                    return Problems.Invalid("assignee", $"assignee '{input.Assignee}' is not a user of this organisation");
            }
            var n = new NewCase(input.Title, input.Description, input.Severity ?? 2, input.Tlp ?? Tlp.Amber, input.Pap ?? Tlp.Amber, input.Tags,
                input.CustomFieldsJson ?? "{}", assigneeId, input.FirstEvidenceAt, input.DetectedAt, Tasks: input.Tasks);
            if (input.Template is not null)
            {
                var template = await CaseTemplates.FindAsync(c, caller.OrgId, input.Template, tx);
                if (template is null)
                    return Problems.Invalid("caseTemplate", $"caseTemplate '{input.Template}' does not exist");
                n = CaseTemplates.Apply(template, input.Title, input.Description, input.Severity, input.Tlp, input.Pap, input.Tags, input.CustomFieldsJson)
                    with
                { AssigneeId = assigneeId, FirstEvidenceAt = input.FirstEvidenceAt, DetectedAt = input.DetectedAt };
                n = n with { Tasks = [.. n.Tasks ?? [], .. input.Tasks] };
            }
            var (id, number) = await CaseStore.CreateAsync(c, tx, caller.OrgId, n, caller.Actor, now);
            await ObservableStore.InsertNewAsync(c, tx, ObservableOwner.Case(id, caller.OrgId), input.Observables, now);
            await autoEnrichment.AddedAsync(c, tx, ObservableOwner.Case(id, caller.OrgId), input.Observables, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.create", "case", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                null, new { number, n.Title, n.Severity, template = input.Template }));
            var view = await CaseStore.ToFullViewAsync(c, (await CaseStore.GetRowAsync(c, caller.OrgId, id, tx))!, tx);
            return TypedResults.Created($"/api/v1/cases/{id}", view);
        }, ct);
    }

    static async Task<IResult> List(HttpRequest request, Caller caller, Db db, CancellationToken ct)
    {
        var errors = new InputErrors();
        var query = CaseQuery.Parse(new QueryParams(request.Query, errors));
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
        var view = await db.ReadAsync(async c => await CaseStore.GetRowAsync(c, caller.OrgId, id) is { } row
            ? await CaseStore.ToFullViewAsync(c, row, intelAt: time.GetUtcNow()) : null, ct);
        return view is null ? Problems.NotFound("case", id) : TypedResults.Ok(view);
    }

    static async Task<IResult> GetByNumber(long number, Caller caller, Db db, TimeProvider time, CancellationToken ct)
    {
        var view = await db.ReadAsync(async c => await CaseStore.GetRowByNumberAsync(c, caller.OrgId, number) is { } row
            ? await CaseStore.ToFullViewAsync(c, row, intelAt: time.GetUtcNow()) : null, ct);
        return view is null ? Problems.NotFound("case number", number) : TypedResults.Ok(view);
    }

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, Scoring.Scorer scorer, TimeProvider time, CancellationToken ct)
    {
        var (doc, error) = await JsonBody.ReadAsync(request, JsonBody.DefaultMaxBytes, ct);
        if (error is not null)
            return error;
        using var _ = doc;
        var errors = new InputErrors();
        var patch = CasePatch.Parse(doc!.RootElement, errors);
        if (patch is null)
            return Problems.Invalid(errors);
        return await UpdateAsync(id, patch, caller, db, audit, scorer, time, ct);
    }

    /// <summary>PATCH of a case after its body was parsed; the web UI's edit forms call it too.</summary>
    public static async Task<IResult> UpdateAsync(long id, CasePatch patch, Caller caller, Db db, AuditLog audit, Scoring.Scorer scorer, TimeProvider time,
        CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
            if (row is null)
                return Problems.NotFound("case", id);
            if (patch.Version is { } v && v != row.Version)
                return Problems.Conflict($"case {id} was changed by someone else (version {row.Version}, you sent {v}); reload it and apply your change again");
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var result = await CaseUpdate.ApplyAsync(c, tx, row, patch, caller, now);
            if (result.Error is not null)
                return result.Error;
            var updated = (await CaseStore.GetRowAsync(c, caller.OrgId, id, tx))!;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.update", "case", id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                CaseView.From(row), CaseView.From(updated)));
            // Closing a case with a resolution is the same decision as POST …/resolve: the score learns from it. Reopening
            // takes it back: only a standing decision teaches.
            if (updated.Status == CaseStatus.Resolved && updated.Resolution is { } resolution && (row.Status != CaseStatus.Resolved || row.Resolution != resolution))
                await Scoring.Decisions.RecordAsync(c, tx, caller.OrgId, Intel.Flagging.FlagSource.CaseKind, id, resolution, null, [], caller.Actor,
                    DateTimeOffset.FromUnixTimeMilliseconds(now), scorer);
            else if (row.Status == CaseStatus.Resolved && updated.Status != CaseStatus.Resolved
                && await Scoring.Decisions.WithdrawAsync(c, tx, caller.OrgId, Intel.Flagging.FlagSource.CaseKind, id, now) is { } withdrawn)
                await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.reopen", "case", CaseHttp.Id(id),
                    new { row.Status, row.Resolution }, new { updated.Status, withdrawnDecision = withdrawn }));
            return TypedResults.Ok(await CaseStore.ToFullViewAsync(c, updated, tx));
        }, ct);

    static Task<IResult> Timeline(long id, HttpRequest request, Caller caller, Db db, CancellationToken ct) =>
        OldestFirstPage.ListAsync<TimelineEntry>(request, db, TimelineEntry.KeyColumns, ("case", id),
            async c => await CaseStore.GetRowAsync(c, caller.OrgId, id) is not null,
            TimelineEntry.SelectOfCase, new { org = caller.OrgId, id }, TimelineEntry.KeyOf, ct);

    /// <summary>Merges case <paramref name="otherId"/> into case <paramref name="id"/>; the web UI's merge form calls it too.</summary>
    public static async Task<IResult> Merge(long id, long otherId, Caller caller, Db db, AuditLog audit, Enrichment.AutoEnrichment autoEnrichment, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            // Lock in id order: two merges of the same pair in opposite directions then queue instead of deadlocking.
            var first = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, Math.Min(id, otherId));
            var second = id == otherId ? first : await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, Math.Max(id, otherId));
            var target = id <= otherId ? first : second;
            var source = id <= otherId ? second : first;
            if (target is null)
                return Problems.NotFound("case", id);
            if (source is null)
                return Problems.NotFound("case", otherId);
            if (CaseMerge.Refusal(target, source) is { } refusal)
                return Problems.Conflict(refusal);
            var outcome = await CaseMerge.MergeAsync(c, tx, target, source, autoEnrichment, caller.Actor, time.GetUtcNow().ToUnixTimeMilliseconds());
            var targetAfter = (await CaseStore.GetRowAsync(c, caller.OrgId, id, tx))!;
            var sourceAfter = (await CaseStore.GetRowAsync(c, caller.OrgId, otherId, tx))!;
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.merge", "case", CaseHttp.Id(id),
                CaseView.From(target), new { @case = CaseView.From(targetAfter), mergedCase = otherId, moved = outcome }));
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "case.merged-into", "case", CaseHttp.Id(otherId),
                CaseView.From(source), CaseView.From(sourceAfter)));
            return TypedResults.Ok(await CaseStore.ToFullViewAsync(c, targetAfter, tx));
        }, ct);

    internal static async Task<long?> MemberIdAsync(DbConnection c, DbTransaction tx, long orgId, string username) =>
        await c.ExecuteScalarAsync<long?>(
            "SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = @orgId AND u.username = @username",
            new { orgId, username = IdentityStore.NormalizeUsername(username) }, tx);
}
