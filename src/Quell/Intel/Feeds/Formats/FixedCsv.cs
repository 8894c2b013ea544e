using System.Runtime.CompilerServices;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// Rows of a CSV feed whose columns its publisher documents (URLhaus, Feodo Tracker, PhishTank): a header row, when
/// the file has one, must name those columns; a first row of another width means the file is not this format (one
/// feed error); a later row of another width or with broken quoting is an item error. Yields the good rows.
/// </summary>
internal static class FixedCsv
{
    public readonly record struct Result(long Line, string[]? Fields, FeedEntry? Error);

    public static async IAsyncEnumerable<Result> ReadAsync(Stream body, string format, string[] columns, [EnumeratorCancellation] CancellationToken ct)
    {
        var first = true;
        await foreach (var row in CsvRows.ReadAsync(body, ',', ct))
        {
            var where = $"line {row.Line}";
            if (first)
            {
                first = false;
                if (string.Equals(row.Fields[0], columns[0], StringComparison.OrdinalIgnoreCase))
                {
                    if (!row.Fields.SequenceEqual(columns, StringComparer.OrdinalIgnoreCase))
                        throw new FeedFormatException($"{where}: the header has the columns {Show(row.Fields)}; a {format} file has {Show(columns)}");
                    continue;
                }
                if (row.Fields.Length != columns.Length)
                    throw new FeedFormatException($"{where}: the first row has {row.Fields.Length} columns; a {format} file has {columns.Length} ({Show(columns)})");
            }
            if (row.Malformed is not null)
                yield return new Result(row.Line, null, FeedEntry.Fail(where, row.Malformed));
            else if (row.Fields.Length != columns.Length)
                yield return new Result(row.Line, null, FeedEntry.Fail(where, $"the row has {row.Fields.Length} columns; a {format} row has {columns.Length}"));
            else
                yield return new Result(row.Line, row.Fields, null);
        }
    }

    static string Show(string[] names) => IndicatorNormalizer.Printable(string.Join(", ", names));
}
