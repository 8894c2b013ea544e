using System.Text.Json;

namespace Quell.Intel.Indicators;

/// <summary>JSON of what the indicator store keeps as text (tags, event context, warninglist names).</summary>
static class IndicatorJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Tags(IReadOnlyList<string> tags) => JsonSerializer.Serialize(tags, Options);

    public static List<string> ReadList(string? json) =>
        string.IsNullOrEmpty(json) ? [] : JsonSerializer.Deserialize<List<string>>(json, Options) ?? [];
}
