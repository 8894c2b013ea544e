using System.Text.Json;
using System.Text.Json.Nodes;
using Quell.Http;

namespace Quell.Enrichment.Cortex;

/// <summary>
/// AddCustomFields' fields (TheHive 4: name, tpe, value): the value must fit the type — string; boolean; integer (a whole
/// number); float; date (milliseconds since 1970, as TheHive stores dates).
/// </summary>
public sealed record CustomField(string Name, string Type, JsonNode Value)
{
    public static readonly string[] Types = ["string", "boolean", "integer", "float", "date"];

    public static CustomField? Read(JsonFields f, InputErrors errors)
    {
        var name = f.String("name", required: true, maxLength: 128)?.Trim();
        var type = f.String("tpe", required: true, maxLength: 16);
        if (type is not null && !Types.Contains(type, StringComparer.Ordinal))
        {
            errors.Add("tpe", $"tpe must be one of {string.Join(", ", Types)}, not '{type}'");
            return null;
        }
        if (!f.TryGet("value", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors.Add("value", "value is required");
            return null;
        }
        if (name is null || type is null)
            return null;
        var fits = type switch
        {
            "string" => value.ValueKind == JsonValueKind.String,
            "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
            "float" => value.ValueKind == JsonValueKind.Number,
            _ => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        };
        if (!fits)
        {
            errors.Add("value", $"value {Shown(value)} does not fit tpe {type}{(type == "date" ? " (milliseconds since 1970)" : "")}");
            return null;
        }
        if (value.ValueKind == JsonValueKind.String && value.GetString()!.Length > 4096)
        {
            errors.Add("value", "value must be at most 4096 characters");
            return null;
        }
        return new CustomField(name, type, JsonNode.Parse(value.GetRawText())!);
    }

    static string Shown(JsonElement v)
    {
        var text = v.GetRawText();
        return text.Length <= 64 ? text : text[..64] + "…";
    }
}
