using System.Globalization;
using System.Text.Json;
using Quell.Intel.Export;
using Quell.Observables;

namespace Quell.Intel.Stix;

/// <summary>
/// Writes indicators as a STIX 2.1 bundle: an identity for the exporter, the TLP 2.0 marking definitions in use, and
/// one <c>indicator</c> per exportable indicator with a valid pattern (<see cref="StixPatternBuilder"/>). Ids are
/// UUIDv5 of type and value, so a re-export names the same objects. Types without a STIX form are skipped and listed.
/// </summary>
public static class StixBundleWriter
{
    public static IReadOnlyList<ExportSkip> Write(Stream output, IEnumerable<ExportIndicator> indicators, DateTimeOffset now, string producer = "Quell")
    {
        var skipped = new List<ExportSkip>();
        var rows = new List<(ExportIndicator Indicator, string Pattern, string PatternType)>();
        var tlps = new SortedSet<Tlp>();
        foreach (var i in indicators)
        {
            if (StixPatternBuilder.For(i.Type, i.Value, out var reason) is not { } p)
            {
                skipped.Add(new ExportSkip(i.Type, i.Value, reason!));
                continue;
            }
            rows.Add((i, p.Pattern, p.PatternType));
            if (i.Tlp is { } t)
                tlps.Add(t);
        }

        var identityId = IdentityId(producer);
        using var w = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = false });
        w.WriteStartObject();
        w.WriteString("type", "bundle");
        w.WriteString("id", "bundle--" + StableUuid.For("bundle|" + string.Join(",", rows.Select(r => r.Indicator.Uuid))));
        w.WriteStartArray("objects");
        WriteIdentity(w, producer);
        foreach (var t in tlps)
            StixTlp.WriteDefinition(w, t);
        foreach (var (i, pattern, patternType) in rows)
            WriteIndicator(w, i, pattern, patternType, identityId, now);
        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
        return skipped;
    }

    /// <summary>The id of the identity object that names <paramref name="producer"/> as the creator of the indicators.</summary>
    public static string IdentityId(string producer = "Quell") => "identity--" + StableUuid.For("identity|" + producer);

    public static void WriteIdentity(Utf8JsonWriter w, string producer = "Quell")
    {
        w.WriteStartObject();
        w.WriteString("type", "identity");
        w.WriteString("spec_version", "2.1");
        w.WriteString("id", IdentityId(producer));
        w.WriteString("created", "2026-01-01T00:00:00.000Z");
        w.WriteString("modified", "2026-01-01T00:00:00.000Z");
        w.WriteString("name", producer);
        w.WriteString("identity_class", "system");
        w.WriteEndObject();
    }

    /// <summary>
    /// The STIX <c>modified</c> of an indicator as <see cref="WriteIndicator"/> writes it: <paramref name="changedAt"/>
    /// when given (the store's last change, so a changed indicator is a new version), else the last seen time when later
    /// than the first; never before <c>created</c>.
    /// </summary>
    public static DateTimeOffset Modified(ExportIndicator i, DateTimeOffset now, DateTimeOffset? changedAt = null)
    {
        var created = i.FirstSeen ?? now;
        var modified = changedAt ?? i.LastSeen ?? created;
        return modified > created ? modified : created;
    }

    /// <summary>One <c>indicator</c> object; <paramref name="changedAt"/> as in <see cref="Modified"/>.</summary>
    public static void WriteIndicator(Utf8JsonWriter w, ExportIndicator i, string pattern, string patternType, string identityId, DateTimeOffset now, DateTimeOffset? changedAt = null)
    {
        var created = i.FirstSeen ?? now;
        w.WriteStartObject();
        w.WriteString("type", "indicator");
        w.WriteString("spec_version", "2.1");
        w.WriteString("id", "indicator--" + i.Uuid);
        w.WriteString("created_by_ref", identityId);
        w.WriteString("created", Time(created));
        w.WriteString("modified", Time(Modified(i, now, changedAt)));
        w.WriteString("name", i.Value.Length > 256 ? i.Value[..256] + "…" : i.Value);
        if (i.Comment is { Length: > 0 } comment)
            w.WriteString("description", comment);
        w.WriteStartArray("indicator_types");
        w.WriteStringValue("malicious-activity");
        w.WriteEndArray();
        w.WriteString("pattern", pattern);
        w.WriteString("pattern_type", patternType);
        if (patternType == "stix")
            w.WriteString("pattern_version", "2.1");
        w.WriteString("valid_from", Time(created));
        if (i.LastSeen is { } until && until > created)
            w.WriteString("valid_until", Time(until));
        if (i.Tags.Count > 0)
        {
            w.WriteStartArray("labels");
            foreach (var tag in i.Tags)
                w.WriteStringValue(tag);
            w.WriteEndArray();
        }
        if (i.Score is { } score)
            w.WriteNumber("confidence", (int)Math.Round(Math.Clamp(score, 0, 100)));
        if (i.Tlp is { } tlp)
        {
            w.WriteStartArray("object_marking_refs");
            w.WriteStringValue(StixTlp.Tlp2Ids[tlp]);
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>RFC 3339 in UTC with milliseconds, as STIX timestamps are written.</summary>
    public static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
