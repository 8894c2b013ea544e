using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Quell.Http;

/// <summary>Validating readers for query-string filters; errors name the parameter.</summary>
public sealed class QueryParams(IQueryCollection query, InputErrors errors)
{
    public InputErrors Errors => errors;

    public string? String(string name, int maxLength = 1024)
    {
        string? v = query[name];
        if (string.IsNullOrEmpty(v))
            return null;
        if (v.Length > maxLength)
        {
            errors.Add(name, $"{name} must be at most {maxLength} characters");
            return null;
        }
        return v;
    }

    public string[] List(string name) =>
        String(name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];

    public int Int(string name, int min, int max, int fallback)
    {
        var v = String(name);
        if (v is null)
            return fallback;
        if (int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max)
            return i;
        errors.Add(name, $"{name} must be an integer from {min} to {max}");
        return fallback;
    }

    public long Long(string name, long min, long max, long fallback)
    {
        var v = String(name);
        if (v is null)
            return fallback;
        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max)
            return i;
        errors.Add(name, $"{name} must be an integer from {min} to {max}");
        return fallback;
    }

    public int[] IntList(string name, int min, int max)
    {
        var list = new List<int>();
        foreach (var s in List(name))
        {
            if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= min && i <= max)
                list.Add(i);
            else
                errors.Add(name, $"{name} values must be {min}-{max}");
        }
        return list.ToArray();
    }

    public bool? Bool(string name)
    {
        var v = String(name);
        if (v is null)
            return null;
        if (bool.TryParse(v, out var b))
            return b;
        errors.Add(name, $"{name} must be true or false");
        return null;
    }

    /// <summary>ISO 8601 date-time or Unix milliseconds.</summary>
    public long? Time(string name)
    {
        var v = String(name);
        if (v is null)
            return null;
        if (long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var ms))
            return ms;
        if (JsonFields.TryParseIso8601(v, out var parsed))
            return parsed;
        errors.Add(name, $"{name} must be an ISO 8601 date-time or Unix milliseconds");
        return null;
    }

    public string OneOf(string name, IReadOnlyCollection<string> allowed, string fallback)
    {
        var v = String(name);
        if (v is null)
            return fallback;
        if (allowed.Contains(v))
            return v;
        errors.Add(name, $"{name} must be one of {string.Join(", ", allowed)}");
        return fallback;
    }
}
