using System.Globalization;
using System.Text.Json;

namespace Quell.Intel.Export;

/// <summary>
/// Writes one MISP event attribute by attribute, for exports too large to hold: the event's fields, then each
/// attribute as it comes, then the event <c>timestamp</c> (the latest attribute time, known only at the end; JSON
/// readers, MISP's included, do not care where a key stands). Same shape as <see cref="MispEventWriter"/>.
/// </summary>
public sealed class MispEventStream(Utf8JsonWriter w, DateTimeOffset now)
{
    DateTimeOffset? _latest;

    public int Count { get; private set; }

    /// <summary>Opens the event; <paramref name="e"/>'s indicators are not written (add them with <see cref="Add"/>).</summary>
    public void Start(ExportEvent e)
    {
        w.WriteStartObject();
        w.WriteStartObject("Event");
        w.WriteString("uuid", e.Uuid.ToString());
        w.WriteString("info", e.Info);
        w.WriteString("date", e.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        w.WriteString("publish_timestamp", MispEventWriter.Unix(now));
        w.WriteBoolean("published", true);
        w.WriteString("analysis", e.Analysis.ToString(CultureInfo.InvariantCulture));
        w.WriteString("threat_level_id", e.ThreatLevel.ToString(CultureInfo.InvariantCulture));
        MispEventWriter.WriteOrgc(w, e);
        MispEventWriter.WriteTags(w, e.Tags);
        w.WriteStartArray("Attribute");
    }

    public void Add(ExportIndicator i)
    {
        MispEventWriter.WriteAttribute(w, i, now);
        if ((i.LastSeen ?? i.FirstSeen) is { } t && (_latest is null || t > _latest))
            _latest = t;
        Count++;
    }

    public void End()
    {
        w.WriteEndArray();
        w.WriteString("timestamp", MispEventWriter.Unix(_latest ?? now));
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
