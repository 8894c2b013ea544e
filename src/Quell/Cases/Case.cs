using System.Text.Json;
using Quell.Observables;

namespace Quell.Cases;

/// <summary>Case states and resolutions. Stored by name: never rename.</summary>
public static class CaseStatus
{
    public const string New = "new";
    public const string InProgress = "in-progress";
    public const string Resolved = "resolved";
    public static readonly string[] All = [New, InProgress, Resolved];
}

public static class CaseResolution
{
    public const string TruePositive = "true-positive";
    public const string FalsePositive = "false-positive";
    public const string Benign = "benign";
    public const string Duplicate = "duplicate";
    public const string Indeterminate = "indeterminate";
    public static readonly string[] All = [TruePositive, FalsePositive, Benign, Duplicate, Indeterminate];
}

/// <summary>Task states (TheHive's Waiting, InProgress, Completed, Cancel). Stored by name: never rename.</summary>
public static class CaseTaskStatus
{
    public const string Waiting = "waiting";
    public const string InProgress = "in-progress";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";
    public static readonly string[] All = [Waiting, InProgress, Completed, Cancelled];
}

public sealed class CaseRow
{
    public const string Columns = "c.id AS Id, c.org_id AS OrgId, c.number AS Number, c.title AS Title, c.description AS Description, c.severity AS Severity, c.tlp AS Tlp, c.pap AS Pap, c.status AS Status, c.resolution AS Resolution, c.summary AS Summary, c.assignee_id AS AssigneeId, c.tags AS TagsJson, c.custom_fields AS CustomFieldsJson, c.template_id AS TemplateId, c.first_evidence_at AS FirstEvidenceAt, c.detected_at AS DetectedAt, c.contained_at AS ContainedAt, c.resolved_at AS ResolvedAt, c.merged_into AS MergedInto, c.created_by AS CreatedBy, c.created_at AS CreatedAt, c.updated_at AS UpdatedAt, c.version AS Version";

    public long Id { get; set; }
    public long OrgId { get; set; }
    public long Number { get; set; }
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public int Severity { get; set; }
    public int Tlp { get; set; }
    public int Pap { get; set; }
    public string Status { get; set; } = "";
    public string? Resolution { get; set; }
    public string? Summary { get; set; }
    public long? AssigneeId { get; set; }
    public string TagsJson { get; set; } = "[]";
    public string CustomFieldsJson { get; set; } = "{}";
    public long? TemplateId { get; set; }
    public long? FirstEvidenceAt { get; set; }
    public long? DetectedAt { get; set; }
    public long? ContainedAt { get; set; }
    public long? ResolvedAt { get; set; }
    public long? MergedInto { get; set; }
    public string CreatedBy { get; set; } = "";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
    public int Version { get; set; }
    public string? AssigneeName { get; set; }
}

public sealed class CaseTask
{
    public const string Columns = "t.id AS Id, t.case_id AS CaseId, t.org_id AS OrgId, t.title AS Title, t.task_group AS TaskGroup, t.description AS Description, t.status AS Status, t.assignee_id AS AssigneeId, u.username AS Assignee, t.due_at AS DueAtMs, t.position AS Position, t.created_at AS CreatedAtMs, t.updated_at AS UpdatedAtMs";

    /// <summary>Select of <see cref="Columns"/> with the assignee's username; append the WHERE clause.</summary>
    public const string Select = $"SELECT {Columns} FROM case_tasks t LEFT JOIN users u ON u.id = t.assignee_id";

    public long Id { get; set; }
    public long CaseId { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public long OrgId { get; set; }
    public string Title { get; set; } = "";
    [System.Text.Json.Serialization.JsonPropertyName("group")] public string TaskGroup { get; set; } = "";
    public string Description { get; set; } = "";
    public string Status { get; set; } = "";
    public long? AssigneeId { get; set; }
    public string? Assignee { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public long? DueAtMs { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public long CreatedAtMs { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public long UpdatedAtMs { get; set; }
    public int Position { get; set; }
    public DateTimeOffset? DueAt => DueAtMs is { } d ? DateTimeOffset.FromUnixTimeMilliseconds(d) : null;
    public DateTimeOffset CreatedAt => DateTimeOffset.FromUnixTimeMilliseconds(CreatedAtMs);
    public DateTimeOffset UpdatedAt => DateTimeOffset.FromUnixTimeMilliseconds(UpdatedAtMs);
}

/// <summary>Alert linked to a case, as listed on the case.</summary>
public sealed class LinkedAlert
{
    public long Id { get; set; }
    public string Type { get; set; } = "";
    public string Source { get; set; } = "";
    public string SourceRef { get; set; } = "";
    public string Title { get; set; } = "";
    public int Severity { get; set; }
    [System.Text.Json.Serialization.JsonIgnore] public long DateMs { get; set; }
    public DateTimeOffset Date => DateTimeOffset.FromUnixTimeMilliseconds(DateMs);
}

/// <summary>A case as the API returns it.</summary>
public sealed class CaseView
{
    public long Id { get; init; }
    public long Number { get; init; }
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public int Severity { get; init; }
    public string Tlp { get; init; } = "";
    public string Pap { get; init; } = "";
    public string Status { get; init; } = "";
    public string? Resolution { get; init; }
    public string? Summary { get; init; }
    public long? AssigneeId { get; init; }
    public string? Assignee { get; init; }
    public string[] Tags { get; init; } = [];
    public JsonElement? CustomFields { get; init; }
    public DateTimeOffset? FirstEvidenceAt { get; init; }
    public DateTimeOffset? DetectedAt { get; init; }
    public DateTimeOffset? ContainedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public long? MergedInto { get; init; }
    public string CreatedBy { get; init; } = "";
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public int Version { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Observable>? Observables { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<CaseTask>? Tasks { get; init; }

    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<LinkedAlert>? Alerts { get; init; }

    static DateTimeOffset? T(long? ms) => ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v) : null;

    public static CaseView From(CaseRow r, IReadOnlyList<Observable>? observables = null, IReadOnlyList<CaseTask>? tasks = null, IReadOnlyList<LinkedAlert>? alerts = null) => new()
    {
        Id = r.Id,
        Number = r.Number,
        Title = r.Title,
        Description = r.Description,
        Severity = r.Severity,
        Tlp = TlpNames.Name(r.Tlp),
        Pap = TlpNames.Name(r.Pap),
        Status = r.Status,
        Resolution = r.Resolution,
        Summary = r.Summary,
        AssigneeId = r.AssigneeId,
        Assignee = r.AssigneeName,
        Tags = JsonColumns.Tags(r.TagsJson),
        CustomFields = JsonColumns.Element(r.CustomFieldsJson),
        FirstEvidenceAt = T(r.FirstEvidenceAt),
        DetectedAt = T(r.DetectedAt),
        ContainedAt = T(r.ContainedAt),
        ResolvedAt = T(r.ResolvedAt),
        MergedInto = r.MergedInto,
        CreatedBy = r.CreatedBy,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt),
        Version = r.Version,
        Observables = observables,
        Tasks = tasks,
        Alerts = alerts,
    };
}
