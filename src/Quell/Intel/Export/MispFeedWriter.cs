using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Quell.Intel.Export;

/// <summary>
/// Writes a MISP feed directory, the layout MISP's "Fetch and store all feed data" and Quell's <c>misp</c> reader
/// read: <c>manifest.json</c> (event uuid → info, Orgc, date, timestamp, threat level, analysis, tags),
/// <c>&lt;uuid&gt;.json</c> per event, and <c>hashes.csv</c> (md5 of each attribute value, of each part for
/// composites, with its event uuid) for MISP's feed correlation.
/// </summary>
public static class MispFeedWriter
{
    /// <summary>The files of the feed directory, by name.</summary>
    public static IReadOnlyList<(string Name, byte[] Content)> Write(IReadOnlyList<ExportEvent> events, DateTimeOffset now)
    {
        var files = new List<(string, byte[])>();
        using (var manifest = new MemoryStream())
        {
            using (var w = new Utf8JsonWriter(manifest, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                foreach (var e in events)
                {
                    w.WriteStartObject(e.Uuid.ToString());
                    w.WriteString("info", e.Info);
                    MispEventWriter.WriteOrgc(w, e);
                    w.WriteString("analysis", e.Analysis.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteString("timestamp", MispEventWriter.Unix(e.Indicators.Select(i => i.LastSeen ?? i.FirstSeen).Where(t => t is not null).Max() ?? now));
                    w.WriteString("date", e.Date.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
                    w.WriteString("threat_level_id", e.ThreatLevel.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    MispEventWriter.WriteTags(w, e.Tags);
                    w.WriteEndObject();
                }
                w.WriteEndObject();
            }
            files.Add(("manifest.json", manifest.ToArray()));
        }
        var hashes = new StringBuilder();
        foreach (var e in events)
        {
            using var body = new MemoryStream();
            MispEventWriter.Write(body, e, now);
            files.Add((e.Uuid + ".json", body.ToArray()));
            foreach (var i in e.Indicators)
                foreach (var part in Parts(i))
                    hashes.Append(Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(part)))).Append(',').Append(e.Uuid).Append('\n');
        }
        files.Add(("hashes.csv", Encoding.UTF8.GetBytes(hashes.ToString())));
        return files;
    }

    /// <summary>Writes the feed into <paramref name="directory"/> (created if missing); files of the same names are replaced.</summary>
    public static async Task WriteToDirectoryAsync(string directory, IReadOnlyList<ExportEvent> events, DateTimeOffset now, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        foreach (var (name, content) in Write(events, now))
            await File.WriteAllBytesAsync(Path.Combine(directory, name), content, ct);
    }

    /// <summary>MISP hashes each part of a composite value separately (filename|sha256 → two lines).</summary>
    static IEnumerable<string> Parts(ExportIndicator i)
    {
        if (IndicatorTypes.Parts(i.Type) is not { } parts)
            return [i.Value];
        var bar = parts[0] == "filename" ? i.Value.LastIndexOf('|') : i.Value.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? [i.Value] : [i.Value[..bar], i.Value[(bar + 1)..]];
    }
}
