using System.Data.Common;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Quell.Alerts;
using Quell.Audit;
using Quell.Cases;
using Quell.Http;
using Quell.Observables;
using Quell.Storage;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// Applies the operations a responder returned (TheHive 4's ActionOperation: AddTagToCase, CreateTask, …) to Quell's own
/// cases, alerts, tasks and observables, inside the transaction that ends the run. Each operation runs under a savepoint:
/// one that cannot be applied (unknown type, missing field, target Quell lacks, database refusal) is rolled back and
/// recorded with its reason, and the others still apply. Every change is audited and written to the case timeline as
/// done by the responder for the user who ran it.
/// </summary>
public sealed partial class ResponderOperations(Db db, AuditLog audit, AlertStore alerts, AutoEnrichment autoEnrichment)
{
    /// <summary>More than this many operations from one run are recorded as failed, not applied.</summary>
    public const int MaxOperations = 100;

    public const string Applied = "applied";
    public const string Failed = "failed";

    public static readonly string[] Types =
    [
        "AddTagToCase", "AddTagToArtifact", "AddTagToAlert", "CreateTask", "AddCustomFields", "AssignCase", "CloseTask", "AddLogToTask",
        "MarkAlertAsRead", "MarkAlertAsUnread", "AddArtifactToCase",
    ];

    /// <summary>Context of one application: where, who, when.</summary>
    sealed record Scope(DbConnection C, DbTransaction Tx, long OrgId, long RunId, ResponderTarget Target, string Actor, long Now);

    /// <summary>
    /// The operations as given, each with <c>status</c> (applied or failed), <c>message</c> (what was done, or why not)
    /// and <c>target</c> (what it acted on) — TheHive's shape of a finished action's operations.
    /// </summary>
    public async Task<JsonArray> ApplyAsync(DbConnection c, DbTransaction tx, long orgId, ResponderRun run, JsonArray operations, long now)
    {
        var scope = new Scope(c, tx, orgId, run.Id, ResponderTarget.Of(run), $"{run.Responder} (responder) for {run.RequestedBy}", now);
        var results = new JsonArray();
        var index = 0;
        foreach (var node in operations)
        {
            var result = node is JsonObject o ? (JsonObject)o.DeepClone() : new JsonObject { ["given"] = node?.DeepClone() };
            string status, message;
            string? target = null;
            if (index++ >= MaxOperations)
                (status, message) = (Failed, $"not applied: a run applies at most {MaxOperations} operations");
            else if (node is not JsonObject op)
                (status, message) = (Failed, "an operation must be a JSON object with a type");
            else
            {
                // Each operation writes its audit entry last, after every check and change: on PostgreSQL audit
                // rows are written at commit (AuditLog.AppendAsync), so a rollback after the audit call would keep the entry.
                await tx.SaveAsync("operation");
                Outcome outcome;
                try
                {
                    outcome = await ApplyOneAsync(scope, op);
                }
                catch (DbException e)
                {
                    outcome = Outcome.No($"the database refused it: {CaseStore.Excerpt(e.Message, 300)}");
                }
                if (outcome.Done)
                    await tx.ReleaseAsync("operation");
                else
                    await tx.RollbackAsync("operation");
                (status, message, target) = (outcome.Done ? Applied : Failed, outcome.Message, outcome.Target);
            }
            result["status"] = status;
            result["message"] = message;
            if (target is not null)
                result["target"] = target;
            results.Add(result);
        }
        return results;
    }

    readonly record struct Outcome(bool Done, string Message, string? Target)
    {
        public static Outcome No(string why) => new(false, why, null);
        public static Outcome Yes(string what, string target) => new(true, what, target);
    }

    async Task<Outcome> ApplyOneAsync(Scope s, JsonObject op)
    {
        var type = op["type"] is JsonValue v && v.TryGetValue<string>(out var t) ? t : null;
        var errors = new InputErrors();
        using var doc = JsonDocument.Parse(op.ToJsonString());
        var f = JsonFields.ForObject(doc.RootElement, errors)!;
        return await (type switch
        {
            "AddTagToCase" => Need(errors, () => f.String("tag", required: true, maxLength: 256), tag => AddTagToCaseAsync(s, tag.Trim())),
            "AddTagToAlert" => Need(errors, () => f.String("tag", required: true, maxLength: 256), tag => AddTagToAlertAsync(s, tag.Trim())),
            "AddTagToArtifact" => Need(errors, () => f.String("tag", required: true, maxLength: 256), tag => AddTagToObservableAsync(s, tag.Trim())),
            "CreateTask" => Need(errors, () => NewTaskOf(f), task => CreateTaskAsync(s, task.Title, task.Description)),
            "AddCustomFields" => Need(errors, () => CustomField.Read(f, errors), field => AddCustomFieldAsync(s, field)),
            "AssignCase" => Need(errors, () => f.String("owner", required: true, maxLength: 256), owner => AssignCaseAsync(s, owner.Trim())),
            "CloseTask" => CloseTaskAsync(s),
            "AddLogToTask" => Need(errors, () => f.String("content", required: true, maxLength: TaskInput.MaxDescription), content => AddLogToTaskAsync(s, content)),
            "MarkAlertAsRead" => MarkAlertAsync(s, AlertFlag.Read),
            "MarkAlertAsUnread" => MarkAlertAsync(s, AlertFlag.Unread),
            "AddArtifactToCase" => Need(errors, () => ObservableInput.Parse(doc.RootElement, errors, ""), o => AddObservableToCaseAsync(s, o)),
            null => Task.FromResult(Outcome.No($"the operation has no type; Quell applies {string.Join(", ", Types)}")),
            _ => Task.FromResult(Outcome.No($"unknown operation type '{CaseStore.Excerpt(type, 64)}'; Quell applies {string.Join(", ", Types)}")),
        });
    }

    /// <summary>Reads an operation's fields; a missing or wrong one fails it naming the field.</summary>
    static Task<Outcome> Need<T>(InputErrors errors, Func<T?> read, Func<T, Task<Outcome>> apply) where T : class
    {
        var value = read();
        return errors.Any || value is null
            ? Task.FromResult(Outcome.No(errors.Any ? errors.Summary() : "the operation's fields are missing"))
            : apply(value);
    }

    sealed record TaskFields(string Title, string Description);

    static TaskFields? NewTaskOf(JsonFields f) =>
        f.String("title", required: true, maxLength: TaskInput.MaxTitle) is { } title
            ? new(title.Trim(), f.String("description", maxLength: TaskInput.MaxDescription, allowEmpty: true) ?? "")
            : null;

    static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);

    Task AuditAsync(Scope s, string type, string entity, long id, object? before, object after) =>
        audit.AppendAsync(s.C, s.Tx, new AuditEntry(s.OrgId, s.Actor, "responder." + type, entity, Id(id), before, new { run = s.RunId, operation = after }));

    /// <summary>The run's case, locked for the change; null with why not when the target has none, it is gone or merged.</summary>
    async Task<(CaseRow? Row, string? Why)> CaseAsync(Scope s)
    {
        if (s.Target.CaseId is not { } caseId)
            return (null, s.Target.Lacks("case"));
        var row = await CaseStore.GetRowForWriteAsync(s.C, s.Tx, db, s.OrgId, caseId);
        return row switch
        {
            null => (null, $"case {Id(caseId)} no longer exists"),
            { MergedInto: { } into } => (null, $"case {Id(caseId)} was merged into case {Id(into)}; run the responder there"),
            _ => (row, null),
        };
    }

    async Task<(AlertRow? Row, string? Why)> AlertAsync(Scope s)
    {
        if (s.Target.AlertId is not { } alertId)
            return (null, s.Target.Lacks("alert"));
        return await AlertStore.GetRowAsync(s.C, s.OrgId, alertId, s.Tx) is { } row ? (row, null) : (null, $"alert {Id(alertId)} no longer exists");
    }

    async Task<(CaseTask? Task, string? Why)> TaskAsync(Scope s)
    {
        if (s.Target.TaskId is not { } taskId)
            return (null, s.Target.Lacks("task") + " (run it on a task: objectType task)");
        if (await CaseStore.GetTaskAsync(s.C, s.OrgId, taskId, s.Tx) is not { } task)
            return (null, $"task {Id(taskId)} no longer exists");
        var (row, why) = await CaseAsync(s);
        return row is null ? (null, why) : (task, null);
    }
}
