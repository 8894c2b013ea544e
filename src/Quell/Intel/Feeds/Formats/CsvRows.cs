using System.Runtime.CompilerServices;
using CsvHelper;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// CSV records of an untrusted feed through CsvHelper: <c>#</c> comment lines and blank lines skipped, fields trimmed,
/// line breaks never inside quotes (one stray quote cannot swallow the rest of the file), a record at most
/// <see cref="MaxRecord"/> bytes (a longer one fails the feed rather than be buffered), a record with broken quoting
/// flagged so the reader reports it as an item error.
/// </summary>
internal static class CsvRows
{
    public const int MaxRecord = 256 * 1024;

    /// <summary>One record: the line it starts on, its fields, and why it is malformed (null when it is not).</summary>
    public readonly record struct Row(long Line, string[] Fields, string? Malformed);

    public static async IAsyncEnumerable<Row> ReadAsync(Stream body, char separator, [EnumeratorCancellation] CancellationToken ct)
    {
        string? malformed = null;
        var options = new CsvReaderOptions
        {
            Separator = separator,
            HasHeader = false,
            CommentPrefix = '#',
            SkipEmptyLines = true,
            // Trimming removes spaces and tabs, which cannot then also separate fields.
            TrimWhitespace = separator is not (' ' or '\t'),
            AllowLineBreaksInQuotes = false,
            MaxRecordSize = MaxRecord,
            TrackLineNumbers = true,
            OnMalformedRecord = m => malformed ??= Describe(m.Reason),
        };
        CsvReader reader;
        try
        {
            reader = CsvReader.Create(body, options, leaveOpen: true);
        }
        catch (ArgumentException e)
        {
            throw new FeedFormatException($"the delimiter '{IndicatorNormalizer.Printable(separator.ToString())}' cannot be used: {IndicatorNormalizer.Printable(e.Message)}", e);
        }
        await using var _ = reader;
        while (true)
        {
            malformed = null;
            bool more;
            try
            {
                more = await reader.ReadAsync(ct);
            }
            catch (CsvFormatException e)
            {
                throw new FeedFormatException($"line {e.LineNumber}: the file cannot be read as CSV: {IndicatorNormalizer.Printable(e.Message)}", e);
            }
            if (!more)
                yield break;
            var fields = new string[reader.FieldCount];
            for (var i = 0; i < fields.Length; i++)
                fields[i] = reader.GetString(i);
            yield return new Row(reader.LineNumber, fields, malformed);
        }
    }

    static string Describe(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.UnterminatedQuote or CsvMalformedReason.LineBreakInQuotes => "a quoted field is not closed on its line",
        CsvMalformedReason.StrayQuote => "a quote stands inside an unquoted field",
        CsvMalformedReason.TextAfterClosingQuote => "text follows the closing quote of a field",
        _ => $"the record is malformed ({reason})",
    };

    /// <summary>The delimiter option: one ASCII character, or <c>tab</c>; empty means a comma (as in MISP's feed settings).</summary>
    public static char Delimiter(string? option) => option switch
    {
        null or "" => ',',
        "tab" or "\\t" => '\t',
        { Length: 1 } d when char.IsAscii(d[0]) && d[0] is not ('"' or '#' or '\r' or '\n') => d[0],
        _ => throw new FeedFormatException($"option delimiter '{IndicatorNormalizer.Printable(option)}' must be one ASCII character other than a quote or '#' (or 'tab')"),
    };
}
