using System.Text.Json.Serialization;

namespace Quell.Cases;

/// <summary>Kinds of case timeline entries. Stored by name and filtered on by clients: never rename.</summary>
public static class CaseTimelineKind
{
    public const string Created = "case.created";
    public const string Status = "case.status";
    public const string Assignee = "case.assignee";
    public const string Severity = "case.severity";
    public const string Contained = "case.contained";
    public const string MergedFrom = "case.merged-from";
    public const string MergedInto = "case.merged-into";
    public const string AlertLinked = "alert.linked";
    public const string AlertUpdated = "alert.updated";
    public const string TaskAdded = "task.added";
    public const string TaskStatus = "task.status";
    public const string TaskAssignee = "task.assignee";
    public const string TaskLog = "task.log";
    public const string CommentAdded = "comment.added";
    public const string ObservablesAdded = "observable.added";
    public const string ObservableUpdated = "observable.updated";
    public const string ObservableDeleted = "observable.deleted";
    /// <summary>A change a Cortex responder's operation made that has no kind of its own (a tag, a custom field).</summary>
    public const string ResponderOperation = "responder.operation";
}

/// <summary>One line of a case's history, as the API returns it.</summary>
public sealed class TimelineEntry
{
    public const string Columns = "id AS Id, at AS AtMs, kind AS Kind, message AS Message, actor AS Actor";

    /// <summary>One case's entries (parameters @org, @id) for <see cref="OldestFirstPage"/> with <see cref="KeyColumns"/>.</summary>
    public const string SelectOfCase = $"SELECT {Columns} FROM case_timeline WHERE org_id = @org AND case_id = @id";

    public static readonly string[] KeyColumns = ["at", "id"];

    public static long[] KeyOf(TimelineEntry e) => [e.AtMs, e.Id];

    public long Id { get; set; }
    [JsonIgnore] public long AtMs { get; set; }
    public DateTimeOffset At => DateTimeOffset.FromUnixTimeMilliseconds(AtMs);
    public string Kind { get; set; } = "";
    public string Message { get; set; } = "";
    public string Actor { get; set; } = "";
}

/// <summary>A comment on a case (Markdown, stored as written and rendered sanitized by clients).</summary>
public sealed class CaseComment
{
    public const string Columns = "id AS Id, case_id AS CaseId, message AS Message, created_by AS CreatedBy, created_at AS CreatedAtMs";

    /// <summary>One case's comments (parameters @org, @id) for <see cref="OldestFirstPage"/> keyed on id.</summary>
    public const string SelectOfCase = $"SELECT {Columns} FROM case_comments WHERE org_id = @org AND case_id = @id";

    public long Id { get; set; }
    public long CaseId { get; set; }
    public string Message { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    [JsonIgnore] public long CreatedAtMs { get; set; }
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs);
}

/// <summary>A work log entry of a task (Markdown).</summary>
public sealed class TaskLog
{
    public const string Columns = "id AS Id, task_id AS TaskId, message AS Message, created_by AS CreatedBy, created_at AS CreatedAtMs";

    /// <summary>One task's log (parameters @org, @taskId) for <see cref="OldestFirstPage"/> keyed on id.</summary>
    public const string SelectOfTask = $"SELECT {Columns} FROM task_logs WHERE org_id = @org AND task_id = @taskId";

    public long Id { get; set; }
    public long TaskId { get; set; }
    public string Message { get; set; } = "";
    public string CreatedBy { get; set; } = "";
    [JsonIgnore] public long CreatedAtMs { get; set; }
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs);
}
