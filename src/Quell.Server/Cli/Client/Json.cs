using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Quell.Server.Cli.Client;

/// <summary>
/// Reading the server's answers without binding them to classes: a field the server adds or drops never breaks
/// the client, and a missing field shows as empty instead of failing the whole command.
/// </summary>
public static class Json
{
    static readonly JsonSerializerOptions Pretty = new()
    {
        WriteIndented = true,
        // The output is for terminals and jq, not HTML: keep non-ASCII text readable. Control characters stay escaped.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Indented(JsonElement e) => JsonSerializer.Serialize(e, Pretty);

    public static string? Str(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => e.GetRawText(),
        _ => null,
    };

    public static string? Str(JsonElement e, string name) => e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? Str(v) : null;

    public static long? Long(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l) ? l : null;

    public static bool Bool(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.True;

    public static IEnumerable<JsonElement> Array(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array ? v.EnumerateArray() : [];

    public static IEnumerable<string> Strings(JsonElement e, string name) => Array(e, name).Select(Str).OfType<string>();

    /// <summary>An ISO 8601 time from the API, shown in UTC to the minute; empty when absent.</summary>
    public static string Time(JsonElement e, string name) =>
        Str(e, name) is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)
            ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)
            : "";
}
