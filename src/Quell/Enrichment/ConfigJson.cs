using System.Text.Json;

namespace Quell.Enrichment;

/// <summary>Plain configuration items as stored: a JSON object of strings.</summary>
static class ConfigJson
{
    public static Dictionary<string, string> Read(string json) =>
        new(JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [], StringComparer.Ordinal);

    public static string Write(IReadOnlyDictionary<string, string> items) => JsonSerializer.Serialize(items);
}
