using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Audit;
using Quell.Identity;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>
/// Creating, changing and deleting case templates, with their audit entries: what the API endpoints and the web UI's
/// template page both call, from a <see cref="CaseTemplateInput"/> parsed by the same rules.
/// </summary>
public sealed class CaseTemplateWrites(Db db, AuditLog audit, TimeProvider time)
{
    /// <summary>The template after the change (null after a delete), or not found, or a name conflict.</summary>
    public sealed record Result(CaseTemplateView? View, bool NotFound = false, string? Conflict = null);

    static Result Duplicate(string name) =>
        new(null, Conflict: $"a case template named '{name}' already exists in this organisation; choose another name or PATCH that template");

    public async Task<Result> CreateAsync(Caller caller, CaseTemplateInput input, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                if (await CaseTemplates.FindAsync(c, caller.OrgId, input.Name!, tx) is not null)
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
                return new Result(view);
            }, ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            // Another admin created the same name between our check and our insert (PostgreSQL only: SQLite writers queue).
            return Duplicate(input.Name!);
        }
    }

    public async Task<Result> UpdateAsync(Caller caller, long id, CaseTemplateInput input, CancellationToken ct)
    {
        try
        {
            return await db.WriteAsync(async (c, tx) =>
            {
                var before = await CaseTemplates.GetAsync(c, caller.OrgId, id, tx);
                if (before is null)
                    return new Result(null, NotFound: true);
                if (input.Name is not null && input.Name != before.Name && await CaseTemplates.FindAsync(c, caller.OrgId, input.Name, tx) is not null)
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
                return new Result(after);
            }, ct);
        }
        catch (DbException e) when (IsUniqueViolation(e))
        {
            return Duplicate(input.Name!);
        }
    }

    public async Task<Result> DeleteAsync(Caller caller, long id, CancellationToken ct) =>
        await db.WriteAsync(async (c, tx) =>
        {
            var before = await CaseTemplates.GetAsync(c, caller.OrgId, id, tx);
            if (before is null)
                return new Result(null, NotFound: true);
            await c.ExecuteAsync("DELETE FROM case_templates WHERE id = @id", new { id }, tx);
            var view = CaseTemplateView.From(before);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "casetemplate.delete", "casetemplate", CaseHttp.Id(id), view, null));
            return new Result(view);
        }, ct);

    static bool IsUniqueViolation(DbException e) =>
        e is Npgsql.PostgresException { SqlState: Npgsql.PostgresErrorCodes.UniqueViolation }
            or Microsoft.Data.Sqlite.SqliteException { SqliteExtendedErrorCode: 2067 /* SQLITE_CONSTRAINT_UNIQUE */ };
}
