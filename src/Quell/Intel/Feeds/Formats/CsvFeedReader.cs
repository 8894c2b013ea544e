using System.Globalization;
using System.Runtime.CompilerServices;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>csv</c>: a CSV file with a column mapping in the feed options. Columns are named by header name or by 1-based
/// number. <c>value</c>: the value column(s), several separated by commas as in MISP's feed settings (default 1);
/// <c>type</c>: a column holding the MISP type, or <c>defaultType</c>: one type for all, or neither: the type is
/// detected per value; <c>tags</c> (tags separated by commas or semicolons), <c>comment</c>, <c>firstSeen</c>:
/// optional columns; <c>delimiter</c> (default comma; <c>tab</c>); <c>header</c> yes/no (default: yes when a column
/// is named, no when all are numbers). Lines starting with <c>#</c> are comments. A column the file does not have is
/// one feed error; a bad row is an item error.
/// </summary>
public sealed class CsvFeedReader : IFeedReader
{
    public string Format => "csv";

    sealed record Mapping(string[] Values, string? Type, string? DefaultType, string? Tags, string? Comment, string? FirstSeen, bool Header);

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var map = ReadMapping(request);
        // Not Option(): a single space is a delimiter MISP's catalogue uses, and Option() treats blanks as unset.
        var delimiter = CsvRows.Delimiter(request.Options.TryGetValue("delimiter", out var d) ? d : null);
        var fixedTags = FeedOptions.Tags(request);
        await using var doc = await fetcher.GetAsync(request.Url, null, ct);
        if (doc.NotModified)
            yield break;
        int[]? values = null;
        int type = -1, tags = -1, comment = -1, firstSeen = -1;
        await foreach (var row in CsvRows.ReadAsync(doc.Body, delimiter, ct))
        {
            if (values is null)
            {
                // The first record fixes the columns: the header names them, or its width bounds the numbers.
                var header = map.Header ? row.Fields : null;
                values = [.. map.Values.Select(v => Resolve("value", v, header, row.Fields.Length))];
                type = map.Type is null ? -1 : Resolve("type", map.Type, header, row.Fields.Length);
                tags = map.Tags is null ? -1 : Resolve("tags", map.Tags, header, row.Fields.Length);
                comment = map.Comment is null ? -1 : Resolve("comment", map.Comment, header, row.Fields.Length);
                firstSeen = map.FirstSeen is null ? -1 : Resolve("firstSeen", map.FirstSeen, header, row.Fields.Length);
                if (map.Header)
                    continue;
            }
            var where = $"line {row.Line}";
            if (row.Malformed is not null)
            {
                yield return FeedEntry.Fail(where, row.Malformed);
                continue;
            }
            var width = values.Append(type).Append(tags).Append(comment).Append(firstSeen).Max() + 1;
            if (row.Fields.Length < width)
            {
                yield return FeedEntry.Fail(where, $"the row has {row.Fields.Length} columns; the mapping needs {width}");
                continue;
            }
            string? rowType = type < 0 ? map.DefaultType : row.Fields[type];
            if (rowType is not null && !IndicatorTypes.IsKnown(rowType))
            {
                yield return FeedEntry.Fail(where, $"'{IndicatorNormalizer.Printable(rowType)}' is not a MISP attribute type");
                continue;
            }
            DateTimeOffset? seen = null;
            if (firstSeen >= 0 && !FeedValues.TryTime(row.Fields[firstSeen], out seen))
            {
                yield return FeedEntry.Fail(where, $"first seen '{IndicatorNormalizer.Printable(row.Fields[firstSeen])}' is not a date and time");
                continue;
            }
            var rowTags = tags < 0 ? fixedTags : FeedOptions.Merge(fixedTags, FeedOptions.SplitTags(row.Fields[tags].Replace(';', ','), ','));
            var rowComment = comment < 0 || row.Fields[comment].Length == 0 ? null : row.Fields[comment];
            foreach (var column in values)
            {
                var value = row.Fields[column];
                if (value.Length == 0)
                    continue;
                string? error;
                var (t, v) = (rowType, value);
                if (rowType is null)
                {
                    if (TypeDetector.Detect(value) is { } detected)
                    {
                        (t, v) = detected;
                        error = null;
                    }
                    else
                    {
                        error = $"'{IndicatorNormalizer.Printable(value)}' is not a recognizable indicator (address, domain, URL, hash, e-mail, ...)";
                    }
                }
                else
                {
                    error = FeedValues.Check(rowType, value);
                }
                yield return error is not null
                    ? FeedEntry.Fail(where, error)
                    : FeedEntry.Of(new IndicatorRecord { Type = t!, Value = v, Tags = rowTags, Comment = rowComment, FirstSeen = seen });
            }
        }
    }

    static Mapping ReadMapping(FeedRequest request)
    {
        var values = (request.Option("value") ?? "1").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == 0)
            values = ["1"];
        var type = request.Option("type");
        var defaultType = request.Option("defaultType");
        if (type is not null && defaultType is not null)
            throw new FeedFormatException("options type (a column) and defaultType (one type for all) exclude each other; give one");
        if (defaultType is not null && !IndicatorTypes.IsKnown(defaultType))
            throw new FeedFormatException($"option defaultType '{IndicatorNormalizer.Printable(defaultType)}' is not a MISP attribute type");
        var named = values.Append(type).Append(request.Option("tags")).Append(request.Option("comment")).Append(request.Option("firstSeen"))
            .Any(c => c is not null && !IsNumber(c));
        var header = request.Option("header")?.ToLowerInvariant() switch
        {
            null => named,
            "yes" or "true" or "1" => true,
            "no" or "false" or "0" => false,
            var h => throw new FeedFormatException($"option header '{IndicatorNormalizer.Printable(h)}' must be yes or no"),
        };
        if (named && !header)
            throw new FeedFormatException("columns are named but option header is no; name columns by number (1 is the first) or set header to yes");
        return new Mapping(values, type, defaultType, request.Option("tags"), request.Option("comment"), request.Option("firstSeen"), header);
    }

    static bool IsNumber(string c) => c.All(char.IsAsciiDigit);

    /// <summary>The 0-based index of a column given by 1-based number or header name; a column the file lacks fails the feed.</summary>
    static int Resolve(string option, string column, string[]? header, int width)
    {
        if (IsNumber(column))
        {
            if (!int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
                throw new FeedFormatException($"option {option}: column {IndicatorNormalizer.Printable(column)} does not exist; columns are numbered from 1");
            if (n > width)
                throw new FeedFormatException($"option {option}: column {n} does not exist; the first row has {width} columns (is the delimiter right?)");
            return n - 1;
        }
        var index = header is null ? -1 : Array.FindIndex(header, h => string.Equals(h, column, StringComparison.OrdinalIgnoreCase));
        if (index < 0)
            throw new FeedFormatException($"option {option}: column '{IndicatorNormalizer.Printable(column)}' is not in the header ({IndicatorNormalizer.Printable(string.Join(", ", header ?? []))}; is the delimiter right?)");
        return index;
    }
}
