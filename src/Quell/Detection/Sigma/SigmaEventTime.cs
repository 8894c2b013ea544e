using System.Globalization;

namespace Quell.Detection.Sigma;

/// <summary>When an event happened, for correlation in event time: the first of the usual time fields that parses.</summary>
public static class SigmaEventTime
{
    /// <summary>ECS and shippers' names first, then Windows event JSON (System/TimeCreated) and Sysmon's UtcTime.</summary>
    public static readonly IReadOnlyList<string> Fields = ["@timestamp", "timestamp", "TimeCreated_SystemTime", "event.created", "UtcTime", "time"];

    public static DateTimeOffset? Of(ISigmaEvent e)
    {
        foreach (var name in Fields)
            if (e.TryGetValue(name, out var v) && Parse(v) is { } at)
                return at;
        return null;
    }

    static DateTimeOffset? Parse(SigmaValue v)
    {
        if (v.Kind == SigmaValueKind.Number && v.TryGetNumber(out var n))
        {
            // Epoch seconds or milliseconds: milliseconds from 1973 on are above 1e11, seconds stay below it until 5138.
            var ms = n > 1e11 ? n : n * 1000;
            return ms is > 0 and < 253402300799999 ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;
        }
        return v.Kind == SigmaValueKind.String
            && DateTimeOffset.TryParse(v.Text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at : null;
    }
}
