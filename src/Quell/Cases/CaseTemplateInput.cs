using System.Text.Json;
using Quell.Http;
using Quell.Observables;

namespace Quell.Cases;

/// <summary>
/// POST /api/v1/case-templates body {name, titlePrefix, description, severity, tlp, pap, tags, tasks:[{title, group,
/// description}], customFields}, and the PATCH body, where only the fields present change and severity, tlp or pap
/// sent as null go back to "no default".
/// </summary>
public sealed class CaseTemplateInput
{
    public const int MaxTasks = 200;

    public string? Name { get; init; }
    public string? TitlePrefix { get; init; }
    public string? Description { get; init; }
    public bool SeverityGiven { get; init; }
    public int? Severity { get; init; }
    public bool TlpGiven { get; init; }
    public Tlp? Tlp { get; init; }
    public bool PapGiven { get; init; }
    public Tlp? Pap { get; init; }
    public string[]? Tags { get; init; }
    public List<TemplateTask>? Tasks { get; init; }
    public string? CustomFieldsJson { get; init; }

    public static CaseTemplateInput? ParseCreate(JsonElement element, InputErrors errors) => Parse(element, errors, patch: false);

    public static CaseTemplateInput? ParsePatch(JsonElement element, InputErrors errors) => Parse(element, errors, patch: true);

    static CaseTemplateInput? Parse(JsonElement element, InputErrors errors, bool patch)
    {
        var f = JsonFields.ForObject(element, errors);
        if (f is null)
            return null;
        var mark = errors.Count;
        var input = new CaseTemplateInput
        {
            Name = f.String("name", required: !patch, maxLength: 256)?.Trim(),
            TitlePrefix = f.String("titlePrefix", maxLength: 256, allowEmpty: true),
            Description = f.String("description", maxLength: 1 << 16, allowEmpty: true),
            SeverityGiven = element.TryGetProperty("severity", out _),
            Severity = f.Int("severity", 1, 4, rangeMessage: "severity must be 1-4"),
            TlpGiven = element.TryGetProperty("tlp", out _),
            Tlp = TlpNames.Read(f, "tlp"),
            PapGiven = element.TryGetProperty("pap", out _),
            Pap = TlpNames.Read(f, "pap"),
            Tags = f.Strings("tags"),
            Tasks = ParseTasks(f),
            CustomFieldsJson = f.ObjectText("customFields"),
        };
        if (errors.Count != mark)
            return null;
        if (patch && input is { Name: null, TitlePrefix: null, Description: null, SeverityGiven: false, TlpGiven: false, PapGiven: false, Tags: null, Tasks: null, CustomFieldsJson: null })
        {
            errors.Add("body", "send at least one of name, titlePrefix, description, severity, tlp, pap, tags, tasks, customFields");
            return null;
        }
        return input;
    }

    static List<TemplateTask>? ParseTasks(JsonFields f)
    {
        if (!f.TryGet("tasks", out var arr))
            return null;
        if (arr.ValueKind != JsonValueKind.Array)
        {
            f.Errors.Add("tasks", "tasks must be an array of {title, group, description}");
            return null;
        }
        if (arr.GetArrayLength() > MaxTasks)
        {
            f.Errors.Add("tasks", $"tasks must have at most {MaxTasks} items");
            return null;
        }
        var list = new List<TemplateTask>();
        var i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            var t = JsonFields.ForObject(item, f.Errors, $"tasks[{i++}].");
            if (t is null)
                continue;
            var title = t.String("title", required: true, maxLength: TaskInput.MaxTitle)?.Trim();
            var group = t.String("group", maxLength: TaskInput.MaxGroup)?.Trim() ?? "default";
            var description = t.String("description", maxLength: TaskInput.MaxDescription, allowEmpty: true) ?? "";
            if (title is not null)
                list.Add(new TemplateTask(title, group, description));
        }
        return list;
    }
}

/// <summary>A case template as the API returns it.</summary>
public sealed class CaseTemplateView
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public string TitlePrefix { get; init; } = "";
    public string Description { get; init; } = "";
    public int? Severity { get; init; }
    public string? Tlp { get; init; }
    public string? Pap { get; init; }
    public string[] Tags { get; init; } = [];
    public IReadOnlyList<TemplateTask> Tasks { get; init; } = [];
    public JsonElement? CustomFields { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public static CaseTemplateView From(CaseTemplate t) => new()
    {
        Id = t.Id,
        Name = t.Name,
        TitlePrefix = t.TitlePrefix,
        Description = t.Description,
        Severity = t.Severity,
        Tlp = t.Tlp is { } tlp ? TlpNames.Name(tlp) : null,
        Pap = t.Pap is { } pap ? TlpNames.Name(pap) : null,
        Tags = JsonColumns.Tags(t.TagsJson),
        Tasks = CaseTemplates.Tasks(t),
        CustomFields = JsonColumns.Element(t.CustomFieldsJson),
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(t.CreatedAt),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(t.UpdatedAt),
    };
}
