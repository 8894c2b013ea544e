using System.Text.Json.Nodes;
using Dapper;
using Quell.Alerts;
using Quell.Cases;
using Quell.Observables;

namespace Quell.Enrichment.Cortex;

/// <summary>The operations themselves, each as the matching API write does it (same columns, timeline kinds and audit).</summary>
public sealed partial class ResponderOperations
{
    /// <summary>A case, an alert or an observable keeps at most this many tags (the API's limit).</summary>
    const int MaxTags = 100;

    Task TimelineAsync(Scope s, long caseId, string kind, string message) => CaseStore.AddTimelineAsync(s.C, s.Tx, caseId, s.OrgId, kind, message, s.Actor, s.Now);

    /// <summary>The tags with <paramref name="tag"/> added; null when it is there already or there is no room (<see cref="Nothing"/> says which).</summary>
    static string[]? WithTag(string[] tags, string tag) =>
        tags.Contains(tag, StringComparer.Ordinal) || tags.Length >= MaxTags ? null : [.. tags, tag];

    static Outcome Nothing(string[] tags, string tag, string target, string what) =>
        tags.Contains(tag, StringComparer.Ordinal)
            ? Outcome.Yes($"{target} already has the tag '{tag}'", target)
            : Outcome.No($"{target} already has {MaxTags} tags, the most {what} keeps");

    async Task<Outcome> AddTagToCaseAsync(Scope s, string tag)
    {
        var (row, why) = await CaseAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"case #{Id(row.Number)}";
        var tags = JsonColumns.Tags(row.TagsJson);
        if (WithTag(tags, tag) is not { } after)
            return Nothing(tags, tag, target, "a case");
        await s.C.ExecuteAsync("UPDATE cases SET tags = @tags, updated_at = @now, version = version + 1 WHERE id = @id",
            new { tags = JsonColumns.Of(after), now = s.Now, id = row.Id }, s.Tx);
        await CaseStore.SetTagsAsync(s.C, s.Tx, row.Id, s.OrgId, after);
        await TimelineAsync(s, row.Id, CaseTimelineKind.ResponderOperation, $"Tag '{CaseStore.Excerpt(tag, 80)}' added");
        await AuditAsync(s, "AddTagToCase", "case", row.Id, new { tags }, new { tags = after });
        return Outcome.Yes($"tag '{tag}' added to {target}", target);
    }

    async Task<Outcome> AddTagToAlertAsync(Scope s, string tag)
    {
        var (row, why) = await AlertAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"alert {Id(row.Id)}";
        var tags = JsonColumns.Tags(row.TagsJson);
        if (WithTag(tags, tag) is not { } after)
            return Nothing(tags, tag, target, "an alert");
        await s.C.ExecuteAsync("UPDATE alerts SET tags = @tags, updated_at = @now WHERE id = @id", new { tags = JsonColumns.Of(after), now = s.Now, id = row.Id }, s.Tx);
        await AlertStore.InsertTagsAsync(s.C, s.Tx, row.Id, s.OrgId, [tag]);
        await AuditAsync(s, "AddTagToAlert", "alert", row.Id, new { tags }, new { tags = after });
        return Outcome.Yes($"tag '{tag}' added to {target}", target);
    }

    async Task<Outcome> AddTagToObservableAsync(Scope s, string tag)
    {
        if (s.Target.Observable is not var (table, id))
            return Outcome.No(s.Target.Lacks("observable"));
        if (s.Target.CaseId is not null && await CaseAsync(s) is { Row: null, Why: var why })
            return Outcome.No(why!);
        var current = await s.C.QuerySingleOrDefaultAsync<Observable>($"SELECT {Observable.Columns} FROM {table} WHERE id = @id AND org_id = @org",
            new { id, org = s.OrgId }, s.Tx);
        if (current is null)
            return Outcome.No($"observable {Id(id)} no longer exists");
        var target = $"observable {current.DataType} {CaseStore.Excerpt(current.Data, 80)}";
        if (WithTag(current.Tags, tag) is not { } after)
            return Nothing(current.Tags, tag, target, "an observable");
        await s.C.ExecuteAsync($"UPDATE {table} SET tags = @tags WHERE id = @id", new { tags = JsonColumns.Of(after), id }, s.Tx);
        if (s.Target.CaseId is { } caseId)
        {
            await TimelineAsync(s, caseId, CaseTimelineKind.ObservableUpdated, $"Observable {current.DataType} {CaseStore.Excerpt(current.Data, 80)}: tag '{CaseStore.Excerpt(tag, 40)}' added");
            await CaseStore.TouchAsync(s.C, s.Tx, caseId, s.Now);
        }
        await AuditAsync(s, "AddTagToArtifact", "observable", id, new { tags = current.Tags }, new { tags = after });
        return Outcome.Yes($"tag '{tag}' added to {target}", target);
    }

    async Task<Outcome> CreateTaskAsync(Scope s, string title, string description)
    {
        var (row, why) = await CaseAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var position = await CaseStore.NextTaskPositionAsync(s.C, s.Tx, row.Id);
        var taskId = await CaseStore.AddTaskAsync(s.C, s.Tx, row.Id, s.OrgId, new NewTask(title, Description: description), position, s.Now);
        await TimelineAsync(s, row.Id, CaseTimelineKind.TaskAdded, $"Task '{CaseStore.Excerpt(title)}' added");
        await CaseStore.TouchAsync(s.C, s.Tx, row.Id, s.Now);
        await AuditAsync(s, "CreateTask", "task", taskId, null, new { caseId = row.Id, title, description });
        return Outcome.Yes($"task {Id(taskId)} '{title}' created", $"case #{Id(row.Number)}");
    }

    async Task<Outcome> AddCustomFieldAsync(Scope s, CustomField field)
    {
        var (row, why) = await CaseAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"case #{Id(row.Number)}";
        if (JsonNode.Parse(row.CustomFieldsJson) is not JsonObject fields)
            return Outcome.No($"the custom fields of {target} are not a JSON object");
        var before = fields[field.Name]?.DeepClone();
        fields[field.Name] = field.Value.DeepClone();
        await s.C.ExecuteAsync("UPDATE cases SET custom_fields = @fields, updated_at = @now, version = version + 1 WHERE id = @id",
            new { fields = fields.ToJsonString(), now = s.Now, id = row.Id }, s.Tx);
        var shown = CaseStore.Excerpt(field.Value.ToJsonString(), 80);
        await TimelineAsync(s, row.Id, CaseTimelineKind.ResponderOperation, $"Custom field '{CaseStore.Excerpt(field.Name, 80)}' set to {shown}");
        await AuditAsync(s, "AddCustomFields", "case", row.Id, new { field = field.Name, value = before }, new { field = field.Name, type = field.Type, value = field.Value });
        return Outcome.Yes($"custom field '{field.Name}' of {target} set to {shown}", target);
    }

    async Task<Outcome> AssignCaseAsync(Scope s, string owner)
    {
        var (row, why) = await CaseAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"case #{Id(row.Number)}";
        if (await CaseEndpoints.MemberIdAsync(s.C, s.Tx, s.OrgId, owner) is not { } userId)
            return Outcome.No($"owner '{CaseStore.Excerpt(owner, 64)}' is not a user of this organisation");
        if (userId == row.AssigneeId)
            return Outcome.Yes($"{target} is already assigned to {row.AssigneeName}", target);
        await s.C.ExecuteAsync("UPDATE cases SET assignee_id = @userId, updated_at = @now, version = version + 1 WHERE id = @id",
            new { userId, now = s.Now, id = row.Id }, s.Tx);
        var name = Identity.IdentityStore.NormalizeUsername(owner);
        await TimelineAsync(s, row.Id, CaseTimelineKind.Assignee, $"Assigned to {name}");
        await AuditAsync(s, "AssignCase", "case", row.Id, new { assignee = row.AssigneeName }, new { assignee = name });
        return Outcome.Yes($"{target} assigned to {name}", target);
    }

    async Task<Outcome> CloseTaskAsync(Scope s)
    {
        var (task, why) = await TaskAsync(s);
        if (task is null)
            return Outcome.No(why!);
        var target = $"task {Id(task.Id)} '{CaseStore.Excerpt(task.Title, 80)}'";
        if (task.Status == CaseTaskStatus.Completed)
            return Outcome.Yes($"{target} was already completed", target);
        await s.C.ExecuteAsync("UPDATE case_tasks SET status = @status, updated_at = @now WHERE id = @id",
            new { status = CaseTaskStatus.Completed, now = s.Now, id = task.Id }, s.Tx);
        await TimelineAsync(s, task.CaseId, CaseTimelineKind.TaskStatus, $"Task '{CaseStore.Excerpt(task.Title)}' {task.Status} → {CaseTaskStatus.Completed}");
        await CaseStore.TouchAsync(s.C, s.Tx, task.CaseId, s.Now);
        await AuditAsync(s, "CloseTask", "task", task.Id, new { status = task.Status }, new { status = CaseTaskStatus.Completed });
        return Outcome.Yes($"{target} completed", target);
    }

    async Task<Outcome> AddLogToTaskAsync(Scope s, string content)
    {
        var (task, why) = await TaskAsync(s);
        if (task is null)
            return Outcome.No(why!);
        var target = $"task {Id(task.Id)} '{CaseStore.Excerpt(task.Title, 80)}'";
        var logId = await s.C.ExecuteScalarAsync<long>("""
            INSERT INTO task_logs (task_id, org_id, message, created_by, created_at) VALUES (@taskId, @org, @content, @actor, @now) RETURNING id
            """, new { taskId = task.Id, org = s.OrgId, content, actor = s.Actor, now = s.Now }, s.Tx);
        await TimelineAsync(s, task.CaseId, CaseTimelineKind.TaskLog, $"Log added to task '{CaseStore.Excerpt(task.Title)}'");
        await CaseStore.TouchAsync(s.C, s.Tx, task.CaseId, s.Now);
        await AuditAsync(s, "AddLogToTask", "task", task.Id, null, new { logId, message = content });
        return Outcome.Yes($"log {Id(logId)} added to {target}", target);
    }

    async Task<Outcome> MarkAlertAsync(Scope s, AlertFlag flag)
    {
        var (row, why) = await AlertAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"alert {Id(row.Id)}";
        // SetFlagAsync audits the change (alert.read / alert.unread) with the responder as actor.
        await alerts.SetFlagAsync(s.C, s.Tx, s.OrgId, row.Id, flag, s.Actor, s.Now);
        return Outcome.Yes($"{target} marked as {(flag == AlertFlag.Read ? "read" : "unread")}", target);
    }

    async Task<Outcome> AddObservableToCaseAsync(Scope s, ObservableInput input)
    {
        var (row, why) = await CaseAsync(s);
        if (row is null)
            return Outcome.No(why!);
        var target = $"case #{Id(row.Number)}";
        var owner = ObservableOwner.Case(row.Id, s.OrgId);
        var existed = (await ObservableStore.ListAsync(s.C, owner, s.Tx)).Any(o => o.DataType == input.DataType && o.Data == input.Data);
        await autoEnrichment.AddedAsync(s.C, s.Tx, owner, await ObservableStore.MergeAsync(s.C, s.Tx, owner, [input], s.Now), s.Now);
        var what = $"{input.DataType} {CaseStore.Excerpt(input.Data, 80)}";
        await TimelineAsync(s, row.Id, CaseTimelineKind.ObservablesAdded, existed ? $"0 observable(s) added, 1 merged: {what}" : $"1 observable(s) added, 0 merged: {what}");
        await CaseStore.TouchAsync(s.C, s.Tx, row.Id, s.Now);
        await AuditAsync(s, "AddArtifactToCase", "case", row.Id, null, new { input.DataType, input.Data, input.Message, merged = existed });
        return Outcome.Yes(existed ? $"observable {what} was already in {target}; merged" : $"observable {what} added to {target}", target);
    }
}
