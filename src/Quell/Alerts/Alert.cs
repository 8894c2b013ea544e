using System.Text.Json;
using System.Text.Json.Serialization;
using Quell.Observables;

namespace Quell.Alerts;

/// <summary>Alert states. Stored by name: never rename.</summary>
public static class AlertStatus
{
    public const string New = "new";
    public const string Updated = "updated";
    public const string Ignored = "ignored";
    public const string Imported = "imported";
    /// <summary>Closed by an analyst's verdict (TheHive's closed alert): out of the "new" queue, reopened by <c>POST …/reopen</c>.</summary>
    public const string Resolved = "resolved";

    public static readonly string[] All = [New, Updated, Ignored, Imported, Resolved];
}

/// <summary>An alert row as read from the store.</summary>
public sealed class AlertRow
{
    public const string Columns = "a.id AS Id, a.org_id AS OrgId, a.type AS Type, a.source AS Source, a.source_ref AS SourceRef, a.title AS Title, a.description AS Description, a.severity AS Severity, a.tlp AS Tlp, a.pap AS Pap, a.status AS Status, a.is_read AS IsRead, a.tags AS TagsJson, a.date AS Date, a.first_evidence_at AS FirstEvidenceAt, a.created_at AS CreatedAt, a.updated_at AS UpdatedAt, a.case_id AS CaseId, a.observable_count AS ObservableCount, a.resolution AS Resolution, a.resolved_at AS ResolvedAt";

    public long Id { get; set; }
    public long OrgId { get; set; }
    public string Type { get; set; } = "";
    public string Source { get; set; } = "";
    public string SourceRef { get; set; } = "";
    public string Title { get; set; } = "";
    public string Description { get; set; } = "";
    public int Severity { get; set; }
    public int Tlp { get; set; }
    public int Pap { get; set; }
    public string Status { get; set; } = "";
    public bool IsRead { get; set; }
    public string TagsJson { get; set; } = "[]";
    public long Date { get; set; }
    public long? FirstEvidenceAt { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
    public long? CaseId { get; set; }
    public int ObservableCount { get; set; }
    public string? Resolution { get; set; }
    public long? ResolvedAt { get; set; }
}

/// <summary>An alert as the API returns it.</summary>
public sealed class AlertView
{
    public long Id { get; init; }
    public string Type { get; init; } = "";
    public string Source { get; init; } = "";
    public string SourceRef { get; init; } = "";
    public string Title { get; init; } = "";
    public string Description { get; init; } = "";
    public int Severity { get; init; }
    public string Tlp { get; init; } = "";
    public string Pap { get; init; } = "";
    public string Status { get; init; } = "";
    public bool Read { get; init; }
    public string[] Tags { get; init; } = [];
    public DateTimeOffset Date { get; init; }
    public DateTimeOffset? FirstEvidenceAt { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public long? CaseId { get; init; }
    public int ObservableCount { get; init; }
    /// <summary>The analyst's verdict while the alert is resolved (a case resolution), else null.</summary>
    public string? Resolution { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<Observable>? Observables { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public JsonElement? Raw { get; init; }

    public static AlertView From(AlertRow r, IReadOnlyList<Observable>? observables = null, string? raw = null) => new()
    {
        Id = r.Id,
        Type = r.Type,
        Source = r.Source,
        SourceRef = r.SourceRef,
        Title = r.Title,
        Description = r.Description,
        Severity = r.Severity,
        Tlp = TlpNames.Name(r.Tlp),
        Pap = TlpNames.Name(r.Pap),
        Status = r.Status,
        Read = r.IsRead,
        Tags = JsonColumns.Tags(r.TagsJson),
        Date = DateTimeOffset.FromUnixTimeMilliseconds(r.Date),
        FirstEvidenceAt = r.FirstEvidenceAt is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null,
        CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.CreatedAt),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(r.UpdatedAt),
        CaseId = r.CaseId,
        ObservableCount = r.ObservableCount,
        Resolution = r.Resolution,
        ResolvedAt = r.ResolvedAt is { } at ? DateTimeOffset.FromUnixTimeMilliseconds(at) : null,
        Observables = observables,
        Raw = JsonColumns.Element(raw),
    };
}
