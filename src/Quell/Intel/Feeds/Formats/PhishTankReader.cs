using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>phishtank</c>: PhishTank's verified online phishes (https://phishtank.org/developer_info.php), as
/// <c>online-valid.json</c> (an array of objects) or <c>online-valid.csv</c> (a header row, then phish_id, url,
/// phish_detail_url, submission_time, verified, verification_time, online, target). A URL ending in <c>.csv</c> is read
/// as CSV, anything else as JSON. Only entries verified and online become <c>url</c> indicators, tagged with their
/// target (<c>phishtank:target="PayPal"</c>), first seen when submitted, the phish id as source reference.
/// </summary>
public sealed class PhishTankReader : IFeedReader
{
    public const long MaxBytes = 1024L * 1024 * 1024;

    static readonly string[] Columns = ["phish_id", "url", "phish_detail_url", "submission_time", "verified", "verification_time", "online", "target"];

    public string Format => "phishtank";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedTags = FeedOptions.Tags(request);
        await using var doc = await fetcher.GetAsync(request.Url, null, ct);
        if (doc.NotModified)
            yield break;
        if (request.Url.EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
        {
            await foreach (var row in FixedCsv.ReadAsync(doc.Body, "PhishTank", Columns, ct))
            {
                if (row.Fields is not { } f)
                    yield return row.Error!.Value;
                else if (Entry($"line {row.Line}", f[0], f[1], f[3], f[4], f[6], f[7], fixedTags) is { } entry)
                    yield return entry;
            }
            yield break;
        }
        var index = 0;
        await foreach (var item in JsonDocuments.ArrayItemsAsync(doc.Body, MaxBytes, "the PhishTank JSON", ct))
        {
            var where = $"entry {index++}";
            if (item.ValueKind != JsonValueKind.Object)
            {
                yield return FeedEntry.Fail(where, "a PhishTank entry is a JSON object");
                continue;
            }
            if (Entry(where, item.Text("phish_id"), item.Text("url"), item.Text("submission_time"), item.Text("verified"), item.Text("online"), item.Text("target"), fixedTags) is { } entry)
                yield return entry;
        }
    }

    static FeedEntry? Entry(string where, string? id, string? url, string? submitted, string? verified, string? online, string? target, IReadOnlyList<string> fixedTags)
    {
        if (id is not null)
            where += $" (phish {IndicatorNormalizer.Printable(id)})";
        if (!IsYes(verified) || !IsYes(online))
            return null;
        if (url is null)
            return FeedEntry.Fail(where, "the entry has no url");
        if (FeedValues.Check("url", url) is { } error)
            return FeedEntry.Fail(where, error);
        if (!FeedValues.TryTime(submitted, out var firstSeen))
            return FeedEntry.Fail(where, $"submission_time '{IndicatorNormalizer.Printable(submitted ?? "")}' is not a date and time");
        var tags = string.IsNullOrWhiteSpace(target) || target == "Other" || target.Any(char.IsControl) || target.Contains('"', StringComparison.Ordinal)
            ? fixedTags
            : FeedOptions.Merge(fixedTags, [$"phishtank:target=\"{target.Trim()}\""]);
        return FeedEntry.Of(new IndicatorRecord
        {
            Type = "url",
            Value = url,
            Category = "Network activity",
            ToIds = true,
            Tags = tags,
            FirstSeen = firstSeen,
            SourceRef = id,
            Comment = id is null ? "PhishTank" : $"PhishTank phish {IndicatorNormalizer.Printable(id)}",
        });
    }

    /// <summary>PhishTank writes "yes"/"no" in both files; the JSON of some mirrors has true/false.</summary>
    static bool IsYes(string? v) => v is not null && (v.Equals("yes", StringComparison.OrdinalIgnoreCase) || v.Equals("true", StringComparison.OrdinalIgnoreCase));
}
