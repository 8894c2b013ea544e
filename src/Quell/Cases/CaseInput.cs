using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Cases;

/// <summary>POST /api/v1/cases body.</summary>
public sealed class CaseInput
{
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public int? Severity { get; init; }
    public Tlp? Tlp { get; init; }
    public Tlp? Pap { get; init; }
    public string[] Tags { get; init; } = [];
    public string? CustomFieldsJson { get; init; }
    public string? Assignee { get; init; }
    public string? Template { get; init; }
    public long? FirstEvidenceAt { get; init; }
    public long? DetectedAt { get; init; }
    public List<NewTask> Tasks { get; init; } = [];
    public List<ObservableInput> Observables { get; init; } = [];

    public static CaseInput? Parse(JsonElement element, InputErrors errors)
    {
        var f = JsonFields.ForObject(element, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var input = new CaseInput
        {
            Title = f.String("title", required: true, maxLength: 1024) ?? "",
            Description = f.String("description", maxLength: 1 << 20, allowEmpty: true) ?? "",
            Severity = f.Int("severity", 1, 4, rangeMessage: "severity must be 1-4"),
            Tlp = TlpNames.Read(f, "tlp"),
            Pap = TlpNames.Read(f, "pap"),
            Tags = f.Strings("tags") ?? [],
            CustomFieldsJson = f.ObjectText("customFields"),
            Assignee = f.String("assignee", maxLength: 256),
            Template = f.String("caseTemplate", maxLength: 256) ?? f.String("template", maxLength: 256),
            FirstEvidenceAt = f.Time("firstEvidenceAt"),
            DetectedAt = f.Time("detectedAt"),
            Tasks = ParseTasks(f),
            Observables = ObservableInput.ParseList(f, "observables", 1000),
        };
        return errors.Count == mark ? input : null;
    }

    static List<NewTask> ParseTasks(JsonFields f)
    {
        var list = new List<NewTask>();
        if (!f.TryGet("tasks", out var arr))
            return list;
        if (arr.ValueKind != JsonValueKind.Array)
        {
            f.Errors.Add("tasks", "tasks must be an array");
            return list;
        }
        var i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            var t = JsonFields.ForObject(item, f.Errors, $"tasks[{i++}].");
            if (t is null)
                continue;
            var title = t.String("title", required: true, maxLength: 1024);
            var group = t.String("group", maxLength: 256) ?? "default";
            var description = t.String("description", maxLength: 1 << 16, allowEmpty: true) ?? "";
            var due = t.Time("dueAt");
            if (title is not null)
                list.Add(new NewTask(title, group, description, null, due));
        }
        return list;
    }
}

/// <summary>PATCH /api/v1/cases/{id} body: only the fields present change.</summary>
public sealed class CasePatch
{
    public string? Title { get; init; }
    public string? Description { get; init; }
    public int? Severity { get; init; }
    public Tlp? Tlp { get; init; }
    public Tlp? Pap { get; init; }
    public string? Status { get; init; }
    public string? Resolution { get; init; }
    public string? Summary { get; init; }
    public bool AssigneeGiven { get; init; }
    public string? Assignee { get; init; }
    public string[]? Tags { get; init; }
    public string? CustomFieldsJson { get; init; }
    public long? FirstEvidenceAt { get; init; }
    public long? DetectedAt { get; init; }
    public long? ContainedAt { get; init; }
    public long? ResolvedAt { get; init; }
    public int? Version { get; init; }

    public static CasePatch? Parse(JsonElement element, InputErrors errors)
    {
        var f = JsonFields.ForObject(element, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var status = f.String("status", maxLength: 32);
        if (status is not null && !CaseStatus.All.Contains(status))
            errors.Add("status", $"status must be one of {string.Join(", ", CaseStatus.All)}");
        var resolution = f.String("resolution", maxLength: 32);
        if (resolution is not null && !CaseResolution.All.Contains(resolution))
            errors.Add("resolution", $"resolution must be one of {string.Join(", ", CaseResolution.All)}");
        var assigneeGiven = f.Object.TryGetProperty("assignee", out _);
        var patch = new CasePatch
        {
            Title = f.String("title", maxLength: 1024),
            Description = f.String("description", maxLength: 1 << 20, allowEmpty: true),
            Severity = f.Int("severity", 1, 4, rangeMessage: "severity must be 1-4"),
            Tlp = TlpNames.Read(f, "tlp"),
            Pap = TlpNames.Read(f, "pap"),
            Status = status,
            Resolution = resolution,
            Summary = f.String("summary", maxLength: 1 << 16, allowEmpty: true),
            AssigneeGiven = assigneeGiven,
            Assignee = f.String("assignee", maxLength: 256),
            Tags = f.Strings("tags"),
            CustomFieldsJson = f.ObjectText("customFields"),
            FirstEvidenceAt = f.Time("firstEvidenceAt"),
            DetectedAt = f.Time("detectedAt"),
            ContainedAt = f.Time("containedAt"),
            ResolvedAt = f.Time("resolvedAt"),
            Version = f.Int("version", 1, int.MaxValue),
        };
        return errors.Count == mark ? patch : null;
    }
}
