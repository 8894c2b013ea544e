using System.Data.Common;
using Dapper;
using Quell.Intel.Flagging;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>A case to create (from the API, an alert or a template).</summary>
public sealed record NewCase(
    string Title,
    string Description,
    int Severity,
    Tlp Tlp,
    Tlp Pap,
    IReadOnlyCollection<string> Tags,
    string CustomFieldsJson = "{}",
    long? AssigneeId = null,
    long? FirstEvidenceAt = null,
    long? DetectedAt = null,
    long? TemplateId = null,
    IReadOnlyList<NewTask>? Tasks = null);

public sealed record NewTask(string Title, string Group = "default", string Description = "", long? AssigneeId = null, long? DueAt = null);

/// <summary>Case rows and what hangs off them. Every query takes the organisation: a case of another org is "not found".</summary>
public static class CaseStore
{
    /// <summary>Creates a case with the organisation's next number. Returns (id, number).</summary>
    public static async Task<(long Id, long Number)> CreateAsync(DbConnection c, DbTransaction tx, long orgId, NewCase n, string actor, long now)
    {
        // The row lock on the organisation serialises numbering on PostgreSQL; SQLite has a single writer anyway.
        var number = await c.ExecuteScalarAsync<long>(
            "UPDATE organisations SET next_case_number = next_case_number + 1 WHERE id = @orgId RETURNING next_case_number - 1",
            new { orgId }, tx);
        var id = await c.ExecuteScalarAsync<long>("""
            INSERT INTO cases (org_id, number, title, description, severity, tlp, pap, status, assignee_id, tags, custom_fields, template_id,
                               first_evidence_at, detected_at, created_by, created_at, updated_at, version)
            VALUES (@orgId, @number, @Title, @Description, @Severity, @tlp, @pap, 'new', @AssigneeId, @tags, @CustomFieldsJson, @TemplateId,
                    @FirstEvidenceAt, @DetectedAt, @actor, @now, @now, 1)
            RETURNING id
            """, new
        {
            orgId,
            number,
            n.Title,
            n.Description,
            n.Severity,
            tlp = (int)n.Tlp,
            pap = (int)n.Pap,
            n.AssigneeId,
            tags = JsonColumns.Of(n.Tags),
            n.CustomFieldsJson,
            n.TemplateId,
            n.FirstEvidenceAt,
            n.DetectedAt,
            actor,
            now,
        }, tx);
        await SetTagsAsync(c, tx, id, orgId, n.Tags);
        var position = 0;
        foreach (var t in n.Tasks ?? [])
            await AddTaskAsync(c, tx, id, orgId, t, position++, now);
        await AddTimelineAsync(c, tx, id, orgId, CaseTimelineKind.Created, $"Case #{number} created", actor, now);
        return (id, number);
    }

    public static async Task<long> AddTaskAsync(DbConnection c, DbTransaction tx, long caseId, long orgId, NewTask t, int position, long now) =>
        await c.ExecuteScalarAsync<long>("""
            INSERT INTO case_tasks (case_id, org_id, title, task_group, description, status, assignee_id, due_at, position, created_at, updated_at)
            VALUES (@caseId, @orgId, @Title, @Group, @Description, @status, @AssigneeId, @DueAt, @position, @now, @now) RETURNING id
            """, new { caseId, orgId, t.Title, t.Group, t.Description, status = CaseTaskStatus.Waiting, t.AssigneeId, t.DueAt, position, now }, tx);

    /// <summary>Position after the case's last task, so added tasks come last.</summary>
    public static async Task<int> NextTaskPositionAsync(DbConnection c, DbTransaction tx, long caseId) =>
        await c.ExecuteScalarAsync<int>("SELECT COALESCE(MAX(position), -1) + 1 FROM case_tasks WHERE case_id = @caseId", new { caseId }, tx);

    public static async Task<CaseTask?> GetTaskAsync(DbConnection c, long orgId, long taskId, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<CaseTask>($"{CaseTask.Select} WHERE t.org_id = @orgId AND t.id = @taskId", new { orgId, taskId }, tx);

    public static async Task SetTagsAsync(DbConnection c, DbTransaction tx, long caseId, long orgId, IEnumerable<string> tags)
    {
        await c.ExecuteAsync("DELETE FROM case_tags WHERE case_id = @caseId", new { caseId }, tx);
        await c.ExecuteAsync("INSERT INTO case_tags (case_id, org_id, tag) VALUES (@caseId, @orgId, @tag)",
            tags.Distinct(StringComparer.Ordinal).Select(tag => new { caseId, orgId, tag }), tx);
    }

    public static async Task AddTimelineAsync(DbConnection c, DbTransaction tx, long caseId, long orgId, string kind, string message, string actor, long now) =>
        await c.ExecuteAsync("INSERT INTO case_timeline (case_id, org_id, at, kind, message, actor) VALUES (@caseId, @orgId, @now, @kind, @message, @actor)",
            new { caseId, orgId, now, kind, message, actor }, tx);

    public static async Task<CaseRow?> GetRowAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<CaseRow>(
            $"SELECT {CaseRow.Columns}, u.username AS AssigneeName FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.org_id = @orgId AND c.id = @id",
            new { orgId, id }, tx);

    /// <summary>
    /// Reads the case for a change and, on PostgreSQL, locks its row until the transaction ends, so a version check,
    /// a merge or an addition to a case being merged cannot interleave with another writer. SQLite runs one writer
    /// at a time, so the plain read is already exclusive there.
    /// </summary>
    public static async Task<CaseRow?> GetRowForWriteAsync(DbConnection c, DbTransaction tx, Db db, long orgId, long id) =>
        await c.QuerySingleOrDefaultAsync<CaseRow>(
            $"SELECT {CaseRow.Columns}, u.username AS AssigneeName FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.org_id = @orgId AND c.id = @id{(db.IsPostgres ? " FOR UPDATE OF c" : "")}",
            new { orgId, id }, tx);

    /// <summary>Marks the case as changed (list sort by updatedAt) without bumping its version: edits of tasks,
    /// comments and observables do not conflict with someone editing the case's own fields.</summary>
    public static async Task TouchAsync(DbConnection c, DbTransaction tx, long caseId, long now) =>
        await c.ExecuteAsync("UPDATE cases SET updated_at = @now WHERE id = @caseId", new { now, caseId }, tx);

    /// <summary>Untrusted text (observable values, titles) as it may appear in a timeline message: one line, bounded.</summary>
    public static string Excerpt(string s, int max = 120)
    {
        var t = new string(s.Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray());
        return t.Length <= max ? t : t[..max] + "…";
    }

    public static async Task<CaseRow?> GetRowByNumberAsync(DbConnection c, long orgId, long number, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<CaseRow>(
            $"SELECT {CaseRow.Columns}, u.username AS AssigneeName FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.org_id = @orgId AND c.number = @number",
            new { orgId, number }, tx);

    /// <summary>
    /// The case with its observables, tasks and linked alerts; with <paramref name="intelAt"/> (reads only), the live intel
    /// matches of its observables scored at that time and their enrichment summaries.
    /// </summary>
    public static async Task<CaseView> ToFullViewAsync(DbConnection c, CaseRow row, DbTransaction? tx = null, DateTimeOffset? intelAt = null)
    {
        var observables = await ObservableStore.ListAsync(c, ObservableOwner.Case(row.Id, row.OrgId), tx);
        if (intelAt is { } now)
        {
            await ObservableIntelReads.AttachAsync(c, row.OrgId, FlagSource.CaseKind, row.Id, observables, now, tx);
            await Enrichment.EnrichmentSummaries.AttachAsync(c, row.OrgId, observables, tx);
            await Files.FileSummaries.AttachAsync(c, row.OrgId, $"/api/v1/cases/{row.Id}", observables, tx);
        }
        var tasks = (await c.QueryAsync<CaseTask>($"{CaseTask.Select} WHERE t.case_id = @id ORDER BY t.position, t.id", new { id = row.Id }, tx)).AsList();
        var alerts = (await c.QueryAsync<LinkedAlert>(
            "SELECT id AS Id, type AS Type, source AS Source, source_ref AS SourceRef, title AS Title, severity AS Severity, date AS DateMs FROM alerts WHERE org_id = @org AND case_id = @id ORDER BY date, id",
            new { org = row.OrgId, id = row.Id }, tx)).AsList();
        return CaseView.From(row, observables, tasks, alerts);
    }
}
