using System.Collections.Frozen;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>threatfox</c>: the ThreatFox API (https://threatfox.abuse.ch/api/): POST <c>{"query": "get_iocs", "days": N}</c>
/// to the feed URL (https://threatfox-api.abuse.ch/api/v1/) with header <c>Auth-Key</c> (option <c>authKey</c>).
/// N is option <c>days</c> (1–7), else the days since the last pull rounded up, else 7 (all ThreatFox gives).
/// Each IOC becomes an indicator of the matching MISP type (ip:port → ip-dst|port, md5_hash → md5, ...) tagged with
/// its tags, malware and threat type, with its confidence level, first/last seen and ThreatFox id; an answer whose
/// <c>query_status</c> is not <c>ok</c> fails the pull with that status.
/// </summary>
public sealed class ThreatFoxReader(TimeProvider time) : IFeedReader
{
    public const long MaxBytes = 512L * 1024 * 1024;

    static readonly FrozenDictionary<string, string> Types = new Dictionary<string, string>
    {
        ["ip:port"] = "ip-dst|port",
        ["domain"] = "domain",
        ["url"] = "url",
        ["md5_hash"] = "md5",
        ["sha1_hash"] = "sha1",
        ["sha256_hash"] = "sha256",
        ["sha3_384_hash"] = "sha3-384",
        ["envelope_from"] = "email-src",
        ["body_from"] = "email-src",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    public string Format => "threatfox";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedTags = FeedOptions.Tags(request);
        var days = Days(request);
        var headers = request.Option("authKey") is { } key ? new Dictionary<string, string> { ["Auth-Key"] = key } : null;
        var body = JsonSerializer.Serialize(new Dictionary<string, object> { ["query"] = "get_iocs", ["days"] = days });
        await using var doc = await fetcher.PostJsonAsync(request.Url, body, headers, ct);
        using var json = await JsonDocuments.ParseAsync(doc.Body, MaxBytes, "the ThreatFox answer", ct);
        var root = json.RootElement;
        var status = root.Text("query_status");
        if (status != "ok")
        {
            // "no_result" is how ThreatFox says "nothing in these days"; anything else (illegal_auth_key, unknown_auth_key, ...) is a failure.
            if (status == "no_result")
                yield break;
            throw new FeedFormatException($"ThreatFox answered query_status '{IndicatorNormalizer.Printable(status ?? "(none)")}'{(status is "unknown_auth_key" or "illegal_auth_key" || headers is null ? "; check option authKey (a ThreatFox Auth-Key)" : "")}");
        }
        var index = 0;
        foreach (var ioc in root.Items("data"))
            yield return Entry(ioc, $"ioc {index++}", fixedTags);
    }

    int Days(FeedRequest request)
    {
        if (request.Option("days") is { } option)
        {
            return int.TryParse(option, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= 1 and <= 7
                ? d
                : throw new FeedFormatException($"option days '{IndicatorNormalizer.Printable(option)}' must be a number from 1 to 7 (ThreatFox's limits)");
        }
        if (request.Since is not { } since)
            return 7;
        return (int)Math.Clamp(Math.Ceiling((time.GetUtcNow() - since).TotalDays), 1, 7);
    }

    static FeedEntry Entry(JsonElement ioc, string where, IReadOnlyList<string> fixedTags)
    {
        if (ioc.ValueKind != JsonValueKind.Object)
            return FeedEntry.Fail(where, "a ThreatFox IOC is a JSON object");
        var id = ioc.Text("id");
        if (id is not null)
            where = $"ioc {IndicatorNormalizer.Printable(id)}";
        var iocType = ioc.Text("ioc_type") ?? "";
        if (!Types.TryGetValue(iocType, out var type))
            return FeedEntry.Fail(where, $"ioc_type '{IndicatorNormalizer.Printable(iocType)}' has no MISP type here");
        var value = ioc.Text("ioc") ?? "";
        if (type == "ip-dst|port")
        {
            var colon = value.LastIndexOf(':');
            value = colon < 0 ? value : value[..colon].Trim('[', ']') + "|" + value[(colon + 1)..];
        }
        if (FeedValues.Check(type, value) is { } error)
            return FeedEntry.Fail(where, error);
        if (!FeedValues.TryTime(ioc.Text("first_seen"), out var firstSeen) || !FeedValues.TryTime(ioc.Text("last_seen"), out var lastSeen))
            return FeedEntry.Fail(where, "first_seen or last_seen is not a date and time");
        int? confidence = int.TryParse(ioc.Text("confidence_level"), NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c <= 100 ? c : null;
        var own = ioc.Items("tags").Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)
            .Append(ioc.Text("malware_printable") ?? "").Append(ioc.Text("threat_type") ?? "")
            .Where(t => t.Length > 0 && t != "Unknown malware");
        var reference = ioc.Text("reference");
        return FeedEntry.Of(new IndicatorRecord
        {
            Type = type,
            Value = value,
            ToIds = true,
            Tags = FeedOptions.Merge(fixedTags, FeedOptions.SplitTags(string.Join('\u001f', own), '\u001f')),
            Confidence = confidence,
            FirstSeen = firstSeen,
            LastSeen = lastSeen,
            SourceRef = id,
            Comment = $"ThreatFox: {IndicatorNormalizer.Printable(ioc.Text("threat_type") ?? "")}, reported by {IndicatorNormalizer.Printable(ioc.Text("reporter") ?? "")}"
                + (string.IsNullOrEmpty(reference) ? "" : "; " + IndicatorNormalizer.Printable(reference)),
        });
    }
}
