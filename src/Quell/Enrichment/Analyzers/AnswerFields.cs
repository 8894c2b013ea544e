using System.Globalization;
using System.Text.Json;

namespace Quell.Enrichment.Analyzers;

/// <summary>Lenient reads of services' JSON: numbers and booleans sometimes arrive as strings ("12", "y", "true").</summary>
static class AnswerFields
{
    public static string? Text(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v)
            ? v.ValueKind switch
            {
                JsonValueKind.String => v.GetString(),
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.GetRawText(),
                _ => null,
            }
            : null;

    public static long? Number(JsonElement e, string name) =>
        long.TryParse(Text(e, name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    public static bool Flag(JsonElement e, string name) =>
        Text(e, name)?.ToLowerInvariant() is "true" or "y" or "yes" or "1";

    public static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    /// <summary>A service's text fit for a taxonomy or a reason: control characters blanked, cut at <paramref name="max"/> characters.</summary>
    public static string Printable(string s, int max = 120)
    {
        var clean = new string(s.Select(ch => char.IsControl(ch) ? ' ' : ch).ToArray());
        return clean.Length <= max ? clean : clean[..max] + "…";
    }
}
