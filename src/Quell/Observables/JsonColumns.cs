using System.Text.Json;

namespace Quell.Observables;

/// <summary>The small JSON columns (tags, custom fields) as text in both dialects.</summary>
public static class JsonColumns
{
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    public static string Of(IEnumerable<string> tags) => JsonSerializer.Serialize(tags.ToArray(), Web);

    public static string[] Tags(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<string[]>(json, Web) ?? [];

    public static JsonElement? Element(string? json) =>
        string.IsNullOrEmpty(json) ? null : JsonDocument.Parse(json).RootElement.Clone();
}
