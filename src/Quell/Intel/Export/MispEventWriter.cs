using System.Globalization;
using System.Text.Json;
using Quell.Observables;

namespace Quell.Intel.Export;

/// <summary>
/// Writes one MISP event in MISP's JSON (<c>{"Event": {...}}</c>, as <c>/events/view</c> and MISP feeds serve it):
/// event fields as strings like MISP writes them, <c>Orgc</c>, <c>Tag</c>, and one <c>Attribute</c> per indicator
/// with a stable uuid, its category, to_ids, comment, first/last seen and tags (TLP as a <c>tlp:</c> tag).
/// </summary>
public static class MispEventWriter
{
    public static void Write(Stream output, ExportEvent e, DateTimeOffset now)
    {
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        Write(w, e, now);
        w.Flush();
    }

    public static void Write(Utf8JsonWriter w, ExportEvent e, DateTimeOffset now)
    {
        var timestamp = Unix(e.Indicators.Select(i => i.LastSeen ?? i.FirstSeen).Where(t => t is not null).Max() ?? now);
        w.WriteStartObject();
        w.WriteStartObject("Event");
        w.WriteString("uuid", e.Uuid.ToString());
        w.WriteString("info", e.Info);
        w.WriteString("date", e.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        w.WriteString("timestamp", timestamp);
        w.WriteString("publish_timestamp", Unix(now));
        w.WriteBoolean("published", true);
        w.WriteString("analysis", e.Analysis.ToString(CultureInfo.InvariantCulture));
        w.WriteString("threat_level_id", e.ThreatLevel.ToString(CultureInfo.InvariantCulture));
        WriteOrgc(w, e);
        WriteTags(w, e.Tags);
        w.WriteStartArray("Attribute");
        foreach (var i in e.Indicators)
            WriteAttribute(w, i, now);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>One indicator as a MISP attribute object.</summary>
    public static void WriteAttribute(Utf8JsonWriter w, ExportIndicator i, DateTimeOffset now)
    {
        w.WriteStartObject();
        w.WriteString("uuid", i.Uuid.ToString());
        w.WriteString("type", i.Type);
        w.WriteString("category", i.CategoryOrDefault);
        w.WriteString("value", i.Value);
        w.WriteBoolean("to_ids", i.ToIds);
        w.WriteString("comment", i.Comment ?? "");
        w.WriteString("timestamp", Unix(i.LastSeen ?? i.FirstSeen ?? now));
        if (i.FirstSeen is { } first)
            w.WriteString("first_seen", MispTime(first));
        if (i.LastSeen is { } last)
            w.WriteString("last_seen", MispTime(last));
        WriteTags(w, TagsOf(i));
        w.WriteEndObject();
    }

    /// <summary>The indicator's tags plus its TLP as MISP's <c>tlp:</c> taxonomy tag when no TLP tag is there already.</summary>
    public static IReadOnlyList<string> TagsOf(ExportIndicator i) =>
        i.Tlp is { } tlp && !i.Tags.Any(t => t.StartsWith("tlp:", StringComparison.OrdinalIgnoreCase))
            ? [.. i.Tags, "tlp:" + TlpNames.Name(tlp).ToLowerInvariant()]
            : i.Tags;

    internal static void WriteOrgc(Utf8JsonWriter w, ExportEvent e)
    {
        w.WriteStartObject("Orgc");
        w.WriteString("name", e.OrgName);
        w.WriteString("uuid", e.OrgUuid.ToString());
        w.WriteEndObject();
    }

    internal static void WriteTags(Utf8JsonWriter w, IReadOnlyList<string> tags)
    {
        if (tags.Count == 0)
            return;
        w.WriteStartArray("Tag");
        foreach (var t in tags)
        {
            w.WriteStartObject();
            w.WriteString("name", t);
            w.WriteBoolean("exportable", true);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    internal static string Unix(DateTimeOffset t) => t.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    /// <summary>MISP's first_seen/last_seen form: ISO 8601 with microseconds and offset.</summary>
    static string MispTime(DateTimeOffset t) => t.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'+00:00'", CultureInfo.InvariantCulture);
}
