using System.Text.Json;
using Quell.Http;

namespace Quell.Cases;

/// <summary>POST /api/v1/cases/{id}/tasks body: {title, group, description, assignee, dueAt}.</summary>
public sealed class TaskInput
{
    public const int MaxTitle = 1024;
    public const int MaxGroup = 256;
    public const int MaxDescription = 1 << 16;

    public string Title { get; init; } = "";
    public string Group { get; init; } = "default";
    public string Description { get; init; } = "";
    public string? Assignee { get; init; }
    public long? DueAt { get; init; }

    public static TaskInput? Parse(JsonElement element, InputErrors errors)
    {
        var f = JsonFields.ForObject(element, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var input = new TaskInput
        {
            Title = f.String("title", required: true, maxLength: MaxTitle)?.Trim() ?? "",
            Group = f.String("group", maxLength: MaxGroup)?.Trim() ?? "default",
            Description = f.String("description", maxLength: MaxDescription, allowEmpty: true) ?? "",
            Assignee = f.String("assignee", maxLength: 256),
            DueAt = f.Time("dueAt"),
        };
        return errors.Count == mark ? input : null;
    }
}

/// <summary>PATCH /api/v1/tasks/{taskId} body: only the fields present change; `assignee: null` unassigns, `dueAt: null` clears.</summary>
public sealed class TaskPatch
{
    public string? Title { get; init; }
    public string? Group { get; init; }
    public string? Description { get; init; }
    public string? Status { get; init; }
    public bool AssigneeGiven { get; init; }
    public string? Assignee { get; init; }
    public bool DueAtGiven { get; init; }
    public long? DueAt { get; init; }

    public static TaskPatch? Parse(JsonElement element, InputErrors errors)
    {
        var f = JsonFields.ForObject(element, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var status = f.String("status", maxLength: 32);
        if (status is not null && !CaseTaskStatus.All.Contains(status))
            errors.Add("status", $"status must be one of {string.Join(", ", CaseTaskStatus.All)}");
        var patch = new TaskPatch
        {
            Title = f.String("title", maxLength: TaskInput.MaxTitle)?.Trim(),
            Group = f.String("group", maxLength: TaskInput.MaxGroup)?.Trim(),
            Description = f.String("description", maxLength: TaskInput.MaxDescription, allowEmpty: true),
            Status = status,
            AssigneeGiven = element.TryGetProperty("assignee", out _),
            Assignee = f.String("assignee", maxLength: 256),
            DueAtGiven = element.TryGetProperty("dueAt", out _),
            DueAt = f.Time("dueAt"),
        };
        if (errors.Count != mark)
            return null;
        if (patch is { Title: null, Group: null, Description: null, Status: null, AssigneeGiven: false, DueAtGiven: false })
        {
            errors.Add("body", "send at least one of title, group, description, status, assignee, dueAt");
            return null;
        }
        return patch;
    }
}

/// <summary>A Markdown message (comment or task log): {message}.</summary>
public static class MessageInput
{
    public const int MaxLength = 256 * 1024;

    public static string? Parse(JsonElement element, InputErrors errors) =>
        JsonFields.ForObject(element, errors)?.String("message", required: true, maxLength: MaxLength);
}
