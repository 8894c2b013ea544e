using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Quell.Http;

/// <summary>
/// Typed, validating access to the properties of one JSON object. Every wrong type or value is recorded in
/// <see cref="InputErrors"/> under the field's path instead of throwing, so parsing never fails half-way.
/// </summary>
public sealed class JsonFields(JsonElement obj, InputErrors errors, string prefix = "")
{
    public JsonElement Object => obj;
    public InputErrors Errors => errors;

    public static JsonFields? ForObject(JsonElement element, InputErrors errors, string prefix = "")
    {
        if (element.ValueKind == JsonValueKind.Object)
            return new JsonFields(element, errors, prefix);
        errors.Add(prefix.TrimEnd('.') is { Length: > 0 } p ? p : "body", $"{(prefix.Length > 0 ? prefix.TrimEnd('.') : "body")} must be a JSON object");
        return null;
    }

    public string Path(string name) => prefix + name;

    public bool Has(string name) => obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null;

    public bool TryGet(string name, out JsonElement value)
    {
        if (obj.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null)
            return true;
        value = default;
        return false;
    }

    /// <summary>
    /// Reads a JSON string as text. JSON allows escapes of unpaired surrogates ("\ud800") that are no text at all
    /// (GetString throws on them) and NUL characters that PostgreSQL cannot store; both are refused as input.
    /// </summary>
    public static bool TryText(JsonElement v, out string text)
    {
        try
        {
            text = v.GetString()!;
        }
        catch (InvalidOperationException)
        {
            text = "";
            return false;
        }
        return !text.Contains('\0', StringComparison.Ordinal);
    }

    /// <summary>True when every string and property name anywhere inside <paramref name="v"/> passes <see cref="TryText"/>.</summary>
    public static bool HoldsOnlyText(JsonElement v)
    {
        switch (v.ValueKind)
        {
            case JsonValueKind.String:
                return TryText(v, out _);
            case JsonValueKind.Array:
                foreach (var item in v.EnumerateArray())
                    if (!HoldsOnlyText(item))
                        return false;
                return true;
            case JsonValueKind.Object:
                foreach (var p in v.EnumerateObject())
                {
                    string name;
                    try { name = p.Name; }
                    catch (InvalidOperationException) { return false; }
                    if (name.Contains('\0', StringComparison.Ordinal) || !HoldsOnlyText(p.Value))
                        return false;
                }
                return true;
            default:
                return true;
        }
    }

    /// <summary>Why a JSON string failed <see cref="TryText"/>: a NUL character, or an unpaired surrogate escape.</summary>
    public static string NotTextMessage(string path, JsonElement v) =>
        v.ValueKind == JsonValueKind.String && TryGetString(v) is { } s && s.Contains('\0', StringComparison.Ordinal)
            ? $"{path} must not contain the NUL character (\\u0000)"
            : NotTextMessage(path);

    public static string NotTextMessage(string path) =>
        $"{path} must be text: it holds a NUL character (\\u0000) or an unpaired surrogate escape (\\ud800-\\udfff)";

    static string? TryGetString(JsonElement v)
    {
        try { return v.GetString(); }
        catch (InvalidOperationException) { return null; }
    }

    public string? String(string name, bool required = false, int maxLength = 4096, bool allowEmpty = false)
    {
        if (!TryGet(name, out var v))
        {
            if (required)
                errors.Add(Path(name), $"{Path(name)} is required");
            return null;
        }
        if (v.ValueKind != JsonValueKind.String)
        {
            errors.Add(Path(name), $"{Path(name)} must be a string");
            return null;
        }
        if (!TryText(v, out var s))
        {
            errors.Add(Path(name), NotTextMessage(Path(name), v));
            return null;
        }
        if (!allowEmpty && string.IsNullOrWhiteSpace(s))
        {
            errors.Add(Path(name), $"{Path(name)} must not be empty");
            return null;
        }
        if (s.Length > maxLength)
        {
            errors.Add(Path(name), $"{Path(name)} must be at most {maxLength} characters");
            return null;
        }
        return s;
    }

    public int? Int(string name, int min, int max, bool required = false, string? rangeMessage = null)
    {
        if (!TryGet(name, out var v))
        {
            if (required)
                errors.Add(Path(name), $"{Path(name)} is required");
            return null;
        }
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var i))
        {
            errors.Add(Path(name), rangeMessage ?? $"{Path(name)} must be an integer from {min} to {max}");
            return null;
        }
        if (i < min || i > max)
        {
            errors.Add(Path(name), rangeMessage ?? $"{Path(name)} must be {min}-{max}");
            return null;
        }
        return i;
    }

    public bool? Bool(string name)
    {
        if (!TryGet(name, out var v))
            return null;
        if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return v.GetBoolean();
        errors.Add(Path(name), $"{Path(name)} must be true or false");
        return null;
    }

    public string[]? Strings(string name, int maxItems = 100, int maxLength = 256)
    {
        if (!TryGet(name, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Array)
        {
            errors.Add(Path(name), $"{Path(name)} must be an array of strings");
            return null;
        }
        if (v.GetArrayLength() > maxItems)
        {
            errors.Add(Path(name), $"{Path(name)} must have at most {maxItems} items");
            return null;
        }
        var list = new List<string>();
        var i = 0;
        foreach (var item in v.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String)
                errors.Add($"{Path(name)}[{i}]", $"{Path(name)}[{i}] must be a non-empty string");
            else if (!TryText(item, out var text))
                errors.Add($"{Path(name)}[{i}]", NotTextMessage($"{Path(name)}[{i}]", item));
            else if (string.IsNullOrWhiteSpace(text))
                errors.Add($"{Path(name)}[{i}]", $"{Path(name)}[{i}] must be a non-empty string");
            else if (text.Length > maxLength)
                errors.Add($"{Path(name)}[{i}]", $"{Path(name)}[{i}] must be at most {maxLength} characters");
            else
                list.Add(text.Trim());
            i++;
        }
        return list.Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>A time given as Unix milliseconds (TheHive's form) or an ISO 8601 string; returns Unix milliseconds.</summary>
    public long? Time(string name, bool required = false)
    {
        if (!TryGet(name, out var v))
        {
            if (required)
                errors.Add(Path(name), $"{Path(name)} is required");
            return null;
        }
        if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var ms) && ms is >= 0 and <= 253402300799999)
            return ms;
        if (v.ValueKind == JsonValueKind.String && TryText(v, out var text) && TryParseIso8601(text, out var parsed))
            return parsed;
        errors.Add(Path(name), $"{Path(name)} must be Unix milliseconds or an ISO 8601 date-time");
        return null;
    }

    // DateTimeOffset.TryParse alone also takes "02/01/2025" (read as February 1st whatever the sender meant) and
    // "Feb 19 2025": only ISO 8601 / RFC 3339 shapes are let through to it. No offset means UTC.
    static readonly Regex Iso8601 = new(@"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?)?(Z|z|[+-]\d{2}:?\d{2})?$", RegexOptions.CultureInvariant);

    /// <summary>Parses an ISO 8601 date or date-time into Unix milliseconds.</summary>
    public static bool TryParseIso8601(string text, out long unixMs)
    {
        unixMs = 0;
        if (!Iso8601.IsMatch(text) ||
            !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var dto))
            return false;
        unixMs = dto.ToUnixTimeMilliseconds();
        return true;
    }

    /// <summary>A JSON object of simple values (custom fields). Returns its raw text.</summary>
    public string? ObjectText(string name, int maxBytes = 64 * 1024)
    {
        if (!TryGet(name, out var v))
            return null;
        if (v.ValueKind != JsonValueKind.Object)
        {
            errors.Add(Path(name), $"{Path(name)} must be a JSON object");
            return null;
        }
        if (!HoldsOnlyText(v))
        {
            errors.Add(Path(name), NotTextMessage(Path(name)));
            return null;
        }
        var text = v.GetRawText();
        if (text.Length > maxBytes)
        {
            errors.Add(Path(name), $"{Path(name)} must be at most {maxBytes} bytes");
            return null;
        }
        return text;
    }
}
