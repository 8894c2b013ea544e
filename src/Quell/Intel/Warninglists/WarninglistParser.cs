using System.Globalization;
using System.Text.Json;

namespace Quell.Intel.Warninglists;

/// <summary>
/// Reads one MISP <c>list.json</c> (schema: misp-warninglists/schema.json). Lists are untrusted files: size, depth,
/// entry count and entry length are bounded. As MISP's importer, a missing version reads as 1, a missing type as
/// "string", a type given as an array as its first element, and a "list" object (entries with comments) by its keys.
/// </summary>
public static class WarninglistParser
{
    public const int MaxFileBytes = 64 << 20;
    public const int MaxEntries = 2_000_000;
    public const int MaxDepth = 8;

    /// <summary>The list, or null with <paramref name="error"/> saying what is wrong.</summary>
    public static Warninglist? Parse(ReadOnlyMemory<byte> json, string? path, out string? error)
    {
        error = null;
        if (json.Length > MaxFileBytes)
        {
            error = $"the file is {json.Length} bytes; at most {MaxFileBytes} are read";
            return null;
        }
        // Lists edited on Windows often start with a UTF-8 byte order mark, which the JSON reader refuses.
        if (json.Span.StartsWith("\uFEFF"u8))
            json = json[3..];
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = MaxDepth });
            return Read(doc.RootElement, path, out error);
        }
        catch (JsonException e)
        {
            error = $"not valid JSON: {e.Message}";
            return null;
        }
    }

    static Warninglist? Read(JsonElement root, string? path, out string? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
            return Fail("the file must hold a JSON object", out error);
        if (!root.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String || nameElement.GetString()!.Trim().Length == 0)
            return Fail("\"name\" is missing or not a non-empty string", out error);
        var name = nameElement.GetString()!.Trim();
        var description = root.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString()! : "";

        long version = 1;
        if (root.TryGetProperty("version", out var v))
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n))
                version = n;
            else if (v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out n))
                version = n;
            else
                return Fail("\"version\" is not an integer", out error);
        }

        var typeText = "string";
        if (root.TryGetProperty("type", out var t))
        {
            if (t.ValueKind == JsonValueKind.Array && t.GetArrayLength() > 0)
                t = t[0];
            if (t.ValueKind != JsonValueKind.String)
                return Fail("\"type\" is not a string", out error);
            typeText = t.GetString()!;
        }
        WarninglistType type;
        switch (typeText)
        {
            case "string": type = WarninglistType.String; break;
            case "substring": type = WarninglistType.Substring; break;
            case "hostname": type = WarninglistType.Hostname; break;
            case "cidr": type = WarninglistType.Cidr; break;
            case "regex": type = WarninglistType.Regex; break;
            default:
                return Fail($"unknown type '{IndicatorNormalizer.Printable(typeText)}'; one of string, substring, hostname, cidr, regex", out error);
        }

        if (!root.TryGetProperty("list", out var listElement))
            return Fail("\"list\" is missing", out error);
        var entries = new List<string>();
        if (listElement.ValueKind == JsonValueKind.Array)
        {
            if (listElement.GetArrayLength() > MaxEntries)
                return Fail($"\"list\" has {listElement.GetArrayLength()} entries; at most {MaxEntries} are read", out error);
            var i = 0;
            foreach (var item in listElement.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.String)
                    return Fail($"entry {i} of \"list\" is not a string", out error);
                if (Entry(item.GetString()!, i, out error) is not { } entry)
                    return null;
                entries.Add(entry);
                i++;
            }
        }
        else if (listElement.ValueKind == JsonValueKind.Object)
        {
            var i = 0;
            foreach (var property in listElement.EnumerateObject())
            {
                if (i >= MaxEntries)
                    return Fail($"\"list\" has more than {MaxEntries} entries", out error);
                if (Entry(property.Name, i, out error) is not { } entry)
                    return null;
                entries.Add(entry);
                i++;
            }
        }
        else
            return Fail("\"list\" is not an array of strings", out error);

        var attributes = new List<string>();
        if (root.TryGetProperty("matching_attributes", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            if (m.ValueKind != JsonValueKind.Array || m.EnumerateArray().Any(a => a.ValueKind != JsonValueKind.String))
                return Fail("\"matching_attributes\" is not an array of strings", out error);
            attributes.AddRange(m.EnumerateArray().Select(a => a.GetString()!).Distinct(StringComparer.Ordinal));
        }
        return new Warninglist(name, description, version, type, entries, attributes, path);
    }

    static string? Entry(string value, int index, out string? error)
    {
        error = null;
        if (value.Length > IndicatorNormalizer.MaxLength)
            error = $"entry {index} of \"list\" is {value.Length} characters long; at most {IndicatorNormalizer.MaxLength}";
        return error is null ? value : null;
    }

    static Warninglist? Fail(string message, out string? error)
    {
        error = message;
        return null;
    }
}
