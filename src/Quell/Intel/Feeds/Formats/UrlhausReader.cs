using System.Runtime.CompilerServices;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>urlhaus</c>: the URLhaus CSV export (csv.txt, csv_recent.txt, csv_online.txt; https://urlhaus.abuse.ch/api/):
/// <c>#</c> comment lines (the column names among them), then id, dateadded, url, url_status, last_online, threat,
/// tags, urlhaus_link, reporter. Each row is a <c>url</c> indicator tagged with its tags and threat, first seen when
/// added, last seen when last online, its status and reporter in the comment, its URLhaus id as source reference.
/// </summary>
public sealed class UrlhausReader : IFeedReader
{
    static readonly string[] Columns = ["id", "dateadded", "url", "url_status", "last_online", "threat", "tags", "urlhaus_link", "reporter"];

    public string Format => "urlhaus";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedTags = FeedOptions.Tags(request);
        await using var doc = await fetcher.GetAsync(request.Url, null, ct);
        if (doc.NotModified)
            yield break;
        await foreach (var row in FixedCsv.ReadAsync(doc.Body, "URLhaus", Columns, ct))
        {
            if (row.Fields is not { } f)
            {
                yield return row.Error!.Value;
                continue;
            }
            var where = $"line {row.Line} (URLhaus id {IndicatorNormalizer.Printable(f[0])})";
            if (FeedValues.Check("url", f[2]) is { } error)
            {
                yield return FeedEntry.Fail(where, error);
                continue;
            }
            if (!FeedValues.TryTime(f[1], out var added) || !FeedValues.TryTime(f[4], out var lastOnline))
            {
                yield return FeedEntry.Fail(where, $"dateadded '{IndicatorNormalizer.Printable(f[1])}' or last_online '{IndicatorNormalizer.Printable(f[4])}' is not a date and time");
                continue;
            }
            var own = FeedOptions.SplitTags(f[6], ',').Append(f[5]).Where(t => t.Length > 0 && t != "None");
            yield return FeedEntry.Of(new IndicatorRecord
            {
                Type = "url",
                Value = f[2],
                Category = "Network activity",
                Tags = FeedOptions.Merge(fixedTags, FeedOptions.SplitTags(string.Join(',', own), ',')),
                Comment = $"URLhaus: {IndicatorNormalizer.Printable(f[3])}; reported by {IndicatorNormalizer.Printable(f[8])}",
                FirstSeen = added,
                LastSeen = lastOnline,
                SourceRef = f[0],
            });
        }
    }
}
