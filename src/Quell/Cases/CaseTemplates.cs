using System.Data.Common;
using System.Text.Json;
using Dapper;
using Quell.Observables;

namespace Quell.Cases;

public sealed class CaseTemplate
{
    public const string Columns = "id AS Id, org_id AS OrgId, name AS Name, title_prefix AS TitlePrefix, description AS Description, severity AS Severity, tlp AS Tlp, pap AS Pap, tags AS TagsJson, tasks AS TasksJson, custom_fields AS CustomFieldsJson, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public long Id { get; set; }
    public long OrgId { get; set; }
    public string Name { get; set; } = "";
    public string TitlePrefix { get; set; } = "";
    public string Description { get; set; } = "";
    public int? Severity { get; set; }
    public int? Tlp { get; set; }
    public int? Pap { get; set; }
    public string TagsJson { get; set; } = "[]";
    public string TasksJson { get; set; } = "[]";
    public string CustomFieldsJson { get; set; } = "{}";
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>A task as a template lists it.</summary>
public sealed record TemplateTask(string Title, string? Group = null, string? Description = null);

/// <summary>Case templates: title prefix, default severity/TLP/PAP, tags, tasks and custom fields applied to new cases.</summary>
public static class CaseTemplates
{
    public static async Task<CaseTemplate?> FindAsync(DbConnection c, long orgId, string name, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<CaseTemplate>($"SELECT {CaseTemplate.Columns} FROM case_templates WHERE org_id = @orgId AND name = @name", new { orgId, name }, tx);

    public static async Task<CaseTemplate?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<CaseTemplate>($"SELECT {CaseTemplate.Columns} FROM case_templates WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    public static async Task<IReadOnlyList<CaseTemplate>> ListAsync(DbConnection c, long orgId) =>
        (await c.QueryAsync<CaseTemplate>($"SELECT {CaseTemplate.Columns} FROM case_templates WHERE org_id = @orgId ORDER BY name, id", new { orgId })).AsList();

    public static IReadOnlyList<TemplateTask> Tasks(CaseTemplate t) =>
        JsonSerializer.Deserialize<List<TemplateTask>>(t.TasksJson, JsonColumns.Web) ?? [];

    /// <summary>The case a template makes of the given values: template defaults fill what the values leave open.</summary>
    public static NewCase Apply(CaseTemplate t, string title, string description, int? severity, Tlp? tlp, Tlp? pap, IEnumerable<string> tags, string? customFieldsJson = null)
    {
        var prefix = string.IsNullOrEmpty(t.TitlePrefix) ? "" : t.TitlePrefix.TrimEnd() + " ";
        return new NewCase(
            prefix + title,
            string.IsNullOrEmpty(description) ? t.Description : description,
            severity ?? t.Severity ?? 2,
            tlp ?? (Tlp?)t.Tlp ?? Tlp.Amber,
            pap ?? (Tlp?)t.Pap ?? Tlp.Amber,
            JsonColumns.Tags(t.TagsJson).Union(tags, StringComparer.Ordinal).ToArray(),
            MergeFields(t.CustomFieldsJson, customFieldsJson),
            TemplateId: t.Id,
            Tasks: Tasks(t).Select(x => new NewTask(x.Title, x.Group ?? "default", x.Description ?? "")).ToList());
    }

    static string MergeFields(string templateJson, string? json)
    {
        if (json is null)
            return templateJson;
        var merged = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(templateJson, JsonColumns.Web) ?? [];
        foreach (var (k, v) in JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json, JsonColumns.Web) ?? [])
            merged[k] = v;
        return JsonSerializer.Serialize(merged, JsonColumns.Web);
    }
}
