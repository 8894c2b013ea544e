using System.Text;
using Quell.Intel.Feeds;

namespace Quell.Intel.Indicators;

/// <summary>
/// The text bodies of <c>POST /api/v1/indicators/_import</c>: CSV whose header names at least <c>type</c> and
/// <c>value</c> (optional <c>tags</c>, <c>comment</c>, <c>tlp</c>, <c>category</c>, <c>to_ids</c>, <c>first_seen</c>,
/// <c>last_seen</c>, <c>confidence</c>; tags separated by commas or semicolons), or freetext: one value per line, its
/// type detected (<see cref="TypeDetector"/>), lines starting with # skipped. Pure: a bad line becomes an error
/// naming the line, a body that cannot be read at all (no usable header, an unclosed quote) a
/// <see cref="FeedFormatException"/>.
/// </summary>
public static class TextImport
{
    public const int MaxLines = 100_000;

    public static readonly string[] Formats = ["csv", "freetext"];

    public static List<FeedEntry> Parse(string format, string text) =>
        format == "csv" ? Csv(text) : Freetext(text);

    static List<FeedEntry> Freetext(string text)
    {
        var entries = new List<FeedEntry>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            if (number > MaxLines)
                throw new FeedFormatException($"the text holds more than {MaxLines} lines; split it into several imports");
            var line = raw.TrimEnd('\r').Trim();
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            if (line.Length > IndicatorNormalizer.MaxLength)
                entries.Add(FeedEntry.Fail($"line {number}", $"the line is {line.Length} characters long; at most {IndicatorNormalizer.MaxLength} are accepted"));
            else if (TypeDetector.Detect(line) is { } detected)
                entries.Add(FeedEntry.Of(new IndicatorRecord { Type = detected.Type, Value = detected.Value, SourceRef = $"line {number}" }));
            else
                entries.Add(FeedEntry.Fail($"line {number}", $"no indicator type recognised in '{IndicatorNormalizer.Printable(line)}'"));
        }
        return entries;
    }

    static readonly string[] Known = ["type", "value", "tags", "comment", "tlp", "category", "to_ids", "first_seen", "last_seen", "confidence"];

    static List<FeedEntry> Csv(string text)
    {
        var rows = Rows(text);
        if (rows.Count == 0)
            throw new FeedFormatException("the CSV is empty; its first line must be a header naming at least type and value");
        var header = rows[0].Fields.Select(h => h.Trim().ToLowerInvariant()).ToArray();
        var col = Known.ToDictionary(k => k, k => Array.IndexOf(header, k));
        if (col["type"] < 0 || col["value"] < 0)
            throw new FeedFormatException($"the CSV header must name the columns type and value (found: {IndicatorNormalizer.Printable(string.Join(",", header))})");
        var entries = new List<FeedEntry>();
        foreach (var (line, fields) in rows.Skip(1))
        {
            if (fields.Length == 1 && fields[0].Length == 0)
                continue;
            var where = $"line {line}";
            if (fields.Length != header.Length)
            {
                entries.Add(FeedEntry.Fail(where, $"{fields.Length} fields where the header names {header.Length}"));
                continue;
            }
            string? Field(string name) => col[name] >= 0 && fields[col[name]].Trim() is { Length: > 0 } v ? v : null;
            bool? toIds = null;
            if (Field("to_ids") is { } t)
            {
                if (t is "1" || t.Equals("true", StringComparison.OrdinalIgnoreCase))
                    toIds = true;
                else if (t is "0" || t.Equals("false", StringComparison.OrdinalIgnoreCase))
                    toIds = false;
                else
                {
                    entries.Add(FeedEntry.Fail(where, $"to_ids '{IndicatorNormalizer.Printable(t)}' is not true, false, 1 or 0"));
                    continue;
                }
            }
            int? confidence = null;
            if (Field("confidence") is { } c)
            {
                if (!int.TryParse(c, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) || n > 100)
                {
                    entries.Add(FeedEntry.Fail(where, $"confidence '{IndicatorNormalizer.Printable(c)}' is not a number from 0 to 100"));
                    continue;
                }
                confidence = n;
            }
            DateTimeOffset? first = null, last = null;
            if (Field("first_seen") is { } fs && !TryTime(fs, out first) || Field("last_seen") is { } ls && !TryTime(ls, out last))
            {
                entries.Add(FeedEntry.Fail(where, "first_seen and last_seen must be ISO 8601 date-times or Unix seconds"));
                continue;
            }
            entries.Add(FeedEntry.Of(new IndicatorRecord
            {
                Type = Field("type") ?? "",
                Value = col["value"] >= 0 ? fields[col["value"]] : "",
                Tags = Field("tags")?.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                Comment = Field("comment"),
                Tlp = Field("tlp"),
                Category = Field("category"),
                ToIds = toIds,
                Confidence = confidence,
                FirstSeen = first,
                LastSeen = last,
                SourceRef = where,
            }));
        }
        return entries;
    }

    static bool TryTime(string text, out DateTimeOffset? time)
    {
        time = null;
        if (long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds < 253402300800)
            time = DateTimeOffset.FromUnixTimeSeconds(seconds);
        else if (DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var parsed))
            time = parsed;
        return time is not null;
    }

    /// <summary>RFC 4180 records with the line each starts on; an unclosed quote means a truncated or broken file.</summary>
    static List<(int Line, string[] Fields)> Rows(string text)
    {
        var rows = new List<(int, string[])>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var line = 1;
        var start = 1;
        var quoted = false;
        var quoteLine = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var ch = text[i];
            if (quoted)
            {
                if (ch == '"')
                {
                    if (i + 1 < text.Length && text[i + 1] == '"')
                    {
                        field.Append('"');
                        i++;
                    }
                    else
                        quoted = false;
                }
                else
                {
                    if (ch == '\n')
                        line++;
                    field.Append(ch);
                }
                continue;
            }
            switch (ch)
            {
                case '"' when field.Length == 0:
                    quoted = true;
                    quoteLine = line;
                    break;
                case ',':
                    fields.Add(field.ToString());
                    field.Clear();
                    break;
                case '\r' when i + 1 < text.Length && text[i + 1] == '\n':
                    break;
                case '\n':
                    fields.Add(field.ToString());
                    field.Clear();
                    rows.Add((start, fields.ToArray()));
                    fields.Clear();
                    line++;
                    start = line;
                    if (rows.Count > MaxLines)
                        throw new FeedFormatException($"the CSV holds more than {MaxLines} records; split it into several imports");
                    break;
                default:
                    field.Append(ch);
                    break;
            }
        }
        if (quoted)
            throw new FeedFormatException($"the quoted field opened on line {quoteLine} is never closed: the CSV is truncated or broken; nothing was imported");
        if (field.Length > 0 || fields.Count > 0)
        {
            fields.Add(field.ToString());
            rows.Add((start, fields.ToArray()));
        }
        return rows;
    }
}
