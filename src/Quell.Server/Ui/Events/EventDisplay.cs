using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Quell.Server.Ui.Events;

/// <summary>How the events page shows a stored event: its flattened fields as rows, a one-line summary, the host.</summary>
public static class EventDisplay
{
    /// <summary>Fields that say what happened, in the order a summary takes them.</summary>
    static readonly string[] SummaryFields =
        ["message", "event.action", "event.code", "process.command_line", "CommandLine", "url.full", "dns.question.name", "file.path"];

    /// <summary>The stored fields (one JSON object of dotted names), one row per value: a list gives one row per element.</summary>
    public static List<(string Name, string Value)> Fields(string json)
    {
        var rows = new List<(string, string)>();
        using var doc = JsonDocument.Parse(json);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Array)
                foreach (var e in p.Value.EnumerateArray())
                    rows.Add((p.Name, Text(e)));
            else
                rows.Add((p.Name, Text(p.Value)));
        }
        return rows;
    }

    static string Text(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.String => e.GetString()!,
        JsonValueKind.Null => "null",
        _ => e.GetRawText(),
    };

    /// <summary>The first of <paramref name="names"/> the event has, with its value.</summary>
    public static (string Field, string Value)? First(List<(string Name, string Value)> fields, params string[] names)
    {
        foreach (var n in names)
            foreach (var (name, value) in fields)
                if (name == n && value.Length > 0)
                    return (name, value);
        return null;
    }

    /// <summary>One line: the fields that say what happened, else the start of the raw event.</summary>
    public static string Summary(List<(string Name, string Value)> fields, string raw)
    {
        var parts = new List<string>();
        foreach (var n in SummaryFields)
            if (First(fields, n) is { } f && !parts.Contains(f.Value))
                parts.Add(n == "event.code" ? "code " + f.Value : f.Value);
        return Cut(parts.Count > 0 ? string.Join(" · ", parts) : raw, 240);
    }

    public static string Cut(string s, int max) => s.Length <= max ? s : s[..max] + "…";

    public static string Time(long ms) =>
        DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>A value as the search language takes it: bare when it is one plain word, else quoted with \" and \\.</summary>
    public static string Quote(string value)
    {
        if (value.Length > 0 && !value.Any(c => char.IsWhiteSpace(c) || c is '"' or ':'))
            return value;
        var sb = new StringBuilder("\"");
        foreach (var c in value)
        {
            if (c is '"' or '\\')
                sb.Append('\\');
            sb.Append(c);
        }
        return sb.Append('"').ToString();
    }
}
