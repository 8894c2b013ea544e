using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Quell.Audit;
using Quell.Http;
using Quell.Identity;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>Tasks of a case and their work logs.</summary>
public static class CaseTaskEndpoints
{
    public static IEndpointRouteBuilder MapCaseTaskEndpoints(this IEndpointRouteBuilder app)
    {
        var cases = app.MapGroup("/api/v1/cases").WithTags("Cases");
        cases.MapPost("/{id:long}/tasks", Create).RequirePermission(Permission.CaseWrite)
            .WithSummary("Add a task to the case: {title, group, description, assignee, dueAt}");
        cases.MapPost("/{id:long}/tasks/from-template", FromTemplate).RequirePermission(Permission.CaseWrite)
            .WithSummary("Add the tasks of a case template to the case: {template}");

        var tasks = app.MapGroup("/api/v1/tasks").WithTags("Cases");
        tasks.MapPatch("/{taskId:long}", Update).RequirePermission(Permission.CaseWrite)
            .WithSummary("Change a task: {title, group, description, status, assignee (null unassigns), dueAt}");
        tasks.MapGet("/{taskId:long}/logs", ListLogs).RequirePermission(Permission.CaseRead)
            .WithSummary("The task's work log, oldest first (limit, cursor)");
        tasks.MapPost("/{taskId:long}/logs", AddLog).RequirePermission(Permission.CaseWrite)
            .WithSummary("Add a work log entry to the task: {message} (Markdown)");
        return app;
    }

    static async Task<IResult> Create(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, TaskInput.Parse, ct);
        if (error is not null)
            return error;
        return await CreateAsync(id, input!, caller, db, audit, time, ct);
    }

    /// <summary>Adds a validated task to the case; the web UI calls it too.</summary>
    public static async Task<IResult> CreateAsync(long id, TaskInput input, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
            if (row is null)
                return Problems.NotFound("case", id);
            if (CaseHttp.RefuseIfMerged(row) is { } merged)
                return merged;
            long? assigneeId = null;
            if (input.Assignee is not null)
            {
                assigneeId = await CaseEndpoints.MemberIdAsync(c, tx, caller.OrgId, input.Assignee);
                if (assigneeId is null)
                    return Problems.Invalid("assignee", $"assignee '{input.Assignee}' is not a user of this organisation");
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var position = await CaseStore.NextTaskPositionAsync(c, tx, id);
            var taskId = await CaseStore.AddTaskAsync(c, tx, id, caller.OrgId,
                new NewTask(input.Title, input.Group, input.Description, assigneeId, input.DueAt), position, now);
            var task = (await CaseStore.GetTaskAsync(c, caller.OrgId, taskId, tx))!;
            await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.TaskAdded,
                $"Task '{CaseStore.Excerpt(task.Title)}' added" + (task.Assignee is null ? "" : $", assigned to {task.Assignee}"), caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, id, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "task.create", "task", CaseHttp.Id(taskId), null, task));
            return TypedResults.Created($"/api/v1/tasks/{taskId}", task);
        }, ct);

    sealed record TemplateRef(string Name);

    static async Task<IResult> FromTemplate(long id, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (input, error) = await CaseHttp.ParseAsync(request, (e, errors) =>
            JsonFields.ForObject(e, errors)?.String("template", required: true, maxLength: 256) is { } name ? new TemplateRef(name) : null, ct);
        if (error is not null)
            return error;
        return await FromTemplateAsync(id, input!.Name, caller, db, audit, time, ct);
    }

    /// <summary>Adds the tasks of the template named <paramref name="templateName"/> to the case; the web UI calls it too.</summary>
    public static async Task<IResult> FromTemplateAsync(long id, string templateName, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var row = await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, id);
            if (row is null)
                return Problems.NotFound("case", id);
            if (CaseHttp.RefuseIfMerged(row) is { } merged)
                return merged;
            var template = await CaseTemplates.FindAsync(c, caller.OrgId, templateName, tx);
            if (template is null)
                return Problems.Invalid("template", $"template '{templateName}' does not exist; GET /api/v1/case-templates lists them");
            var templateTasks = CaseTemplates.Tasks(template);
            if (templateTasks.Count == 0)
                return Problems.Invalid("template", $"template '{template.Name}' has no tasks");
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var first = await CaseStore.NextTaskPositionAsync(c, tx, id);
            var position = first;
            foreach (var t in templateTasks)
                await CaseStore.AddTaskAsync(c, tx, id, caller.OrgId, new NewTask(t.Title, t.Group ?? "default", t.Description ?? ""), position++, now);
            var added = (await c.QueryAsync<CaseTask>($"{CaseTask.Select} WHERE t.org_id = @org AND t.case_id = @id AND t.position >= @first ORDER BY t.position, t.id",
                new { org = caller.OrgId, id, first }, tx)).AsList();
            await CaseStore.AddTimelineAsync(c, tx, id, caller.OrgId, CaseTimelineKind.TaskAdded,
                $"{added.Count} task(s) added from template '{CaseStore.Excerpt(template.Name)}'", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, id, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "task.create-from-template", "case", CaseHttp.Id(id), null,
                new { template = template.Name, tasks = added.Select(t => new { t.Id, t.Title, group = t.TaskGroup }) }));
            return TypedResults.Created($"/api/v1/cases/{id}", new { template = template.Name, items = added });
        }, ct);

    static async Task<IResult> Update(long taskId, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (patch, error) = await CaseHttp.ParseAsync(request, TaskPatch.Parse, ct);
        if (error is not null)
            return error;
        return await UpdateAsync(taskId, patch!, caller, db, audit, time, ct);
    }

    /// <summary>Applies a validated task patch; the web UI calls it too.</summary>
    public static async Task<IResult> UpdateAsync(long taskId, TaskPatch patch, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var before = await CaseStore.GetTaskAsync(c, caller.OrgId, taskId, tx);
            if (before is null)
                return Problems.NotFound("task", taskId);
            // Lock the case first: the same order as every other case write, so two writers never wait on each other crosswise.
            await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, before.CaseId);
            before = (await CaseStore.GetTaskAsync(c, caller.OrgId, taskId, tx))!;
            var assigneeId = before.AssigneeId;
            if (patch.AssigneeGiven)
            {
                assigneeId = null;
                if (patch.Assignee is not null)
                {
                    assigneeId = await CaseEndpoints.MemberIdAsync(c, tx, caller.OrgId, patch.Assignee);
                    if (assigneeId is null)
                        return Problems.Invalid("assignee", $"assignee '{patch.Assignee}' is not a user of this organisation");
                }
            }
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            await c.ExecuteAsync("""
                UPDATE case_tasks SET title = @title, task_group = @group, description = @description, status = @status,
                                      assignee_id = @assigneeId, due_at = @dueAt, updated_at = @now
                WHERE id = @taskId
                """, new
            {
                title = patch.Title ?? before.Title,
                group = patch.Group ?? before.TaskGroup,
                description = patch.Description ?? before.Description,
                status = patch.Status ?? before.Status,
                assigneeId,
                dueAt = patch.DueAtGiven ? patch.DueAt : before.DueAtMs,
                now,
                taskId,
            }, tx);
            var after = (await CaseStore.GetTaskAsync(c, caller.OrgId, taskId, tx))!;
            var title = CaseStore.Excerpt(after.Title);
            if (after.Status != before.Status)
                await CaseStore.AddTimelineAsync(c, tx, after.CaseId, caller.OrgId, CaseTimelineKind.TaskStatus,
                    $"Task '{title}' {before.Status} → {after.Status}", caller.Actor, now);
            if (after.AssigneeId != before.AssigneeId)
                await CaseStore.AddTimelineAsync(c, tx, after.CaseId, caller.OrgId, CaseTimelineKind.TaskAssignee,
                    after.Assignee is null ? $"Task '{title}' unassigned" : $"Task '{title}' assigned to {after.Assignee}", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, after.CaseId, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "task.update", "task", CaseHttp.Id(taskId), before, after));
            return TypedResults.Ok(after);
        }, ct);

    static Task<IResult> ListLogs(long taskId, HttpRequest request, Caller caller, Db db, CancellationToken ct) =>
        OldestFirstPage.ListAsync<TaskLog>(request, db, ["id"], ("task", taskId),
            async c => await CaseStore.GetTaskAsync(c, caller.OrgId, taskId) is not null,
            TaskLog.SelectOfTask, new { org = caller.OrgId, taskId },
            l => [l.Id], ct);

    static async Task<IResult> AddLog(long taskId, HttpRequest request, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct)
    {
        var (message, error) = await CaseHttp.ParseAsync(request, MessageInput.Parse, ct);
        if (error is not null)
            return error;
        return await AddLogAsync(taskId, message!, caller, db, audit, time, ct);
    }

    /// <summary>Adds a validated work log entry (<see cref="MessageInput"/>) to the task; the web UI calls it too.</summary>
    public static async Task<IResult> AddLogAsync(long taskId, string message, Caller caller, Db db, AuditLog audit, TimeProvider time, CancellationToken ct) =>
        await db.WriteAsync<IResult>(async (c, tx) =>
        {
            var task = await CaseStore.GetTaskAsync(c, caller.OrgId, taskId, tx);
            if (task is null)
                return Problems.NotFound("task", taskId);
            await CaseStore.GetRowForWriteAsync(c, tx, db, caller.OrgId, task.CaseId);
            var now = time.GetUtcNow().ToUnixTimeMilliseconds();
            var logId = await c.ExecuteScalarAsync<long>("""
                INSERT INTO task_logs (task_id, org_id, message, created_by, created_at) VALUES (@taskId, @org, @message, @actor, @now) RETURNING id
                """, new { taskId, org = caller.OrgId, message, actor = caller.Actor, now }, tx);
            var log = await c.QuerySingleAsync<TaskLog>($"SELECT {TaskLog.Columns} FROM task_logs WHERE id = @logId", new { logId }, tx);
            await CaseStore.AddTimelineAsync(c, tx, task.CaseId, caller.OrgId, CaseTimelineKind.TaskLog,
                $"Log added to task '{CaseStore.Excerpt(task.Title)}'", caller.Actor, now);
            await CaseStore.TouchAsync(c, tx, task.CaseId, now);
            await audit.AppendAsync(c, tx, new AuditEntry(caller.OrgId, caller.Actor, "task.log", "task", CaseHttp.Id(taskId), null,
                new { logId, message }));
            return TypedResults.Created($"/api/v1/tasks/{taskId}/logs", log);
        }, ct);
}
