using System.Runtime.CompilerServices;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>feodo</c>: the Feodo Tracker botnet C2 IP blocklist CSV (ipblocklist.csv; https://feodotracker.abuse.ch/blocklist/):
/// <c>#</c> comment lines, a header row, then first_seen_utc, dst_ip, dst_port, c2_status, last_online, malware. Each
/// row is an <c>ip-dst|port</c> indicator tagged with the malware family, first seen, last seen on its last online day,
/// its C2 status in the comment.
/// </summary>
public sealed class FeodoReader : IFeedReader
{
    static readonly string[] Columns = ["first_seen_utc", "dst_ip", "dst_port", "c2_status", "last_online", "malware"];

    public string Format => "feodo";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedTags = FeedOptions.Tags(request);
        await using var doc = await fetcher.GetAsync(request.Url, null, ct);
        if (doc.NotModified)
            yield break;
        await foreach (var row in FixedCsv.ReadAsync(doc.Body, "Feodo Tracker", Columns, ct))
        {
            if (row.Fields is not { } f)
            {
                yield return row.Error!.Value;
                continue;
            }
            var where = $"line {row.Line}";
            var value = f[1] + "|" + f[2];
            if (FeedValues.Check("ip-dst|port", value) is { } error)
            {
                yield return FeedEntry.Fail(where, error);
                continue;
            }
            if (!FeedValues.TryTime(f[0], out var firstSeen) || !FeedValues.TryTime(f[4], out var lastOnline))
            {
                yield return FeedEntry.Fail(where, $"first_seen_utc '{IndicatorNormalizer.Printable(f[0])}' or last_online '{IndicatorNormalizer.Printable(f[4])}' is not a date and time");
                continue;
            }
            yield return FeedEntry.Of(new IndicatorRecord
            {
                Type = "ip-dst|port",
                Value = value,
                Category = "Network activity",
                ToIds = true,
                Tags = FeedOptions.Merge(fixedTags, FeedOptions.SplitTags(f[5], ',')),
                Comment = $"Feodo Tracker C2: {IndicatorNormalizer.Printable(f[3])}",
                FirstSeen = firstSeen,
                LastSeen = lastOnline,
            });
        }
    }
}
