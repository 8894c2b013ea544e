using System.Globalization;
using System.Text;
using Quell.Observables;

namespace Quell.Intel.Export;

/// <summary>
/// Writes indicators as CSV (RFC 4180, UTF-8, header row): uuid, type, category, value, to_ids, tags, tlp, comment,
/// first_seen, last_seen, score, sources. Tags and sources are joined with ',' inside their quoted cell, as MISP's
/// CSV export joins attribute tags. Times are ISO 8601 UTC.
/// </summary>
public static class CsvExportWriter
{
    public static readonly string[] Columns = ["uuid", "type", "category", "value", "to_ids", "tags", "tlp", "comment", "first_seen", "last_seen", "score", "sources"];

    public static void Write(Stream output, IEnumerable<ExportIndicator> indicators)
    {
        using var text = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true) { NewLine = "\n" };
        text.WriteLine(Header);
        foreach (var i in indicators)
            text.WriteLine(Line(i));
    }

    public static string Header => string.Join(',', Columns);

    /// <summary>One indicator's row, without the line break.</summary>
    public static string Line(ExportIndicator i)
    {
        string[] fields =
        [
            i.Uuid.ToString(), i.Type, i.CategoryOrDefault, i.Value, i.ToIds ? "1" : "0", string.Join(',', i.Tags),
            i.Tlp is { } tlp ? TlpNames.Name(tlp) : "", i.Comment ?? "", Time(i.FirstSeen), Time(i.LastSeen),
            i.Score?.ToString("0.##", CultureInfo.InvariantCulture) ?? "", string.Join(',', i.Sources),
        ];
        return string.Join(',', fields.Select(Field));
    }

    /// <summary>RFC 4180: a field holding a comma, quote, line break or outer space is quoted, inner quotes doubled.</summary>
    public static string Field(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") >= 0 || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' '))
            ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
            : value;

    static string Time(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";
}
