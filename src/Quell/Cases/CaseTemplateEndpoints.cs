using System.Data.Common;
using System.Text.Json;
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

/// <summary>Case templates of the organisation: read by everyone who reads cases, managed by admins.</summary>
public static class CaseTemplateEndpoints
{
    public static IEndpointRouteBuilder MapCaseTemplateEndpoints(this IEndpointRouteBuilder app)
    {
        var g = app.MapGroup("/api/v1/case-templates").WithTags("Case templates");
        g.MapGet("", List).RequirePermission(Permission.CaseRead).WithSummary("The organisation's case templates, by name");
        g.MapGet("/{id:long}", Get).RequirePermission(Permission.CaseRead).WithSummary("One case template");
        g.MapPost("", Create).RequirePermission(Permission.TemplateManage)
            .WithSummary("Create a case template: {name (unique), titlePrefix, description, severity, tlp, pap, tags, tasks, customFields}");
        g.MapPatch("/{id:long}", Update).RequirePermission(Permission.TemplateManage)
            .WithSummary("Change a case template (fields present change; tasks and tags are replaced)");
        g.MapDelete("/{id:long}", Delete).RequirePermission(Permission.TemplateManage)
            .WithSummary("Delete a case template (cases made from it are unchanged)");
        return app;
    }

    static async Task<IResult> List(Caller caller, Db db, CancellationToken ct)
    {
        var templates = await db.ReadAsync(c => CaseTemplates.ListAsync(c, caller.OrgId), ct);
        return TypedResults.Ok(new { items = templates.Select(CaseTemplateView.From) });
    }

    static async Task<IResult> Get(long id, Caller caller, Db db, CancellationToken ct)
    {
        var template = await db.ReadAsync(c => CaseTemplates.GetAsync(c, caller.OrgId, id), ct);
        return template is null ? Problems.NotFound("case template", id) : TypedResults.Ok(CaseTemplateView.From(template));
    }

    static async Task<IResult> Create(HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, CaseTemplateInput.ParseCreate, ct);
        if (error is not null)
            return error;
        try
        {
            return await db.WriteAsync<IResult>(async (c, tx) =>
            {
                if (await CaseTemplates.FindAsync(c, caller.OrgId, input!.Name!, tx) is not null)
                    return Duplicate(input.Name!);
                var now = time.GetUtcNow().ToUnixTimeMilliseconds();
                var id = await c.ExecuteScalarAsync<long>("""
                    INSERT INTO case_templates (org_id, name, title_prefix, description, severity, tlp, pap, tags, tasks, custom_fields, created_at, updated_at)
                    VALUES (@org, @name, @titlePrefix, @description, @severity, @tlp, @pap, @tags, @tasks, @customFields, @now, @now) RETURNING id
                    """, new
                {
                    org = caller.OrgId,
                    name = input.Name,
                    titlePrefix = input.TitlePrefix ?? "",
                    description = input.Description ?? "",
                    severity = input.Severity,
                    tlp = (int?)input.Tlp,
                    pap = (int?)input.Pap,
                    tags = JsonColumns.Of(input.Tags ?? []),
                    tasks = JsonSerializer.Serialize(input.Tasks ?? [], JsonColumns.Web),
                    customFields = input.CustomFieldsJson ?? "{}",
                    now,
                }, tx);
                var view = CaseTemplateView.From((await CaseTemplates.GetAsync(c, caller.OrgId, id, tx))!);
                await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "casetemplate.create", "casetemplate", CaseHttp.Id(id), null, view));
                return TypedResults.Created($"/api/v1/case-templates/{id}", view);
            }, ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            // Another admin created the same name between our check and our insert (PostgreSQL only: SQLite writers queue).
            return Duplicate(input!.Name!);
        }
    }

    static async Task<IResult> Update(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, CaseTemplateInput.ParsePatch, ct);
        if (error is not null)
            return error;
        try
        {
            return await db.WriteAsync<IResult>(async (c, tx) =>
            {
                var before = await CaseTemplates.GetAsync(c, caller.OrgId, id, tx);
                if (before is null)
                    return Problems.NotFound("case template", id);
                if (input!.Name is not null && input.Name != before.Name && await CaseTemplates.FindAsync(c, caller.OrgId, input.Name, tx) is not null)
                    return Duplicate(input.Name);
                await c.ExecuteAsync("""
                    UPDATE case_templates SET name = @name, title_prefix = @titlePrefix, description = @description, severity = @severity, tlp = @tlp,
                                              pap = @pap, tags = @tags, tasks = @tasks, custom_fields = @customFields, updated_at = @now
                    WHERE id = @id
                    """, new
                {
                    name = input.Name ?? before.Name,
                    titlePrefix = input.TitlePrefix ?? before.TitlePrefix,
                    description = input.Description ?? before.Description,
                    severity = input.SeverityGiven ? input.Severity : before.Severity,
                    tlp = input.TlpGiven ? (int?)input.Tlp : before.Tlp,
                    pap = input.PapGiven ? (int?)input.Pap : before.Pap,
                    tags = input.Tags is null ? before.TagsJson : JsonColumns.Of(input.Tags),
                    tasks = input.Tasks is null ? before.TasksJson : JsonSerializer.Serialize(input.Tasks, JsonColumns.Web),
                    customFields = input.CustomFieldsJson ?? before.CustomFieldsJson,
                    now = time.GetUtcNow().ToUnixTimeMilliseconds(),
                    id,
                }, tx);
                var after = CaseTemplateView.From((await CaseTemplates.GetAsync(c, caller.OrgId, id, tx))!);
                await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "casetemplate.update", "casetemplate", CaseHttp.Id(id),
                    CaseTemplateView.From(before), after));
                return TypedResults.Ok(after);
            }, ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            return Duplicate(input!.Name!);
        }
    }

    static async Task<IResult> Delete(long id, Caller caller, Db db, AuditLog audit, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var before = await CaseTemplates.GetAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return Problems.NotFound("case template", id);
            await c.ExecuteAsync("DELETE FROM case_templates WHERE id = @id", new { id }, tx);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "casetemplate.delete", "casetemplate", CaseHttp.Id(id),
                CaseTemplateView.From(before), null));
            return TypedResults.NoContent();
        }, ct);

    static IResult Duplicate(string name) =>
        Problems.Conflict($"a case template named '{name}' already exists in this organisation; choose another name or PATCH that template");

    static bool IsUniqueViolation(DbException e) =>
        e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
            or Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 /* SQLITE_CONSTRAINT_UNIQUE */ };
}
