using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>misp-instance</c>: a remote MISP's attributes through <c>POST {url}/attributes/restSearch</c> with header
/// <c>Authorization: &lt;apiKey&gt;</c> (option <c>apiKey</c>, required). The body asks for JSON with event tags and
/// event context, attributes changed since the last pull (<c>timestamp</c>), optionally only those for detection
/// (option <c>toIds</c> yes), in pages of option <c>limit</c> (default 5,000) until a short page. The answer
/// <c>{"response": {"Attribute": [...]}}</c> becomes records as in a MISP feed, each with its event as context.
/// </summary>
public sealed class MispInstanceReader : IFeedReader
{
    public const int DefaultPageSize = 5000;
    /// <summary>A server that never sends a short page must not keep a pull running forever: 2,000 pages of 5,000.</summary>
    public const int MaxPages = 2000;
    public const long MaxPageBytes = 512L * 1024 * 1024;

    public string Format => "misp-instance";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var apiKey = request.Option("apiKey") ?? throw new FeedFormatException("option apiKey is missing: a MISP instance answers only with an automation key (MISP: Administration → Auth keys)");
        var pageSize = request.Option("limit") is { } l
            ? int.TryParse(l, out var n) && n is >= 1 and <= 100_000 ? n : throw new FeedFormatException($"option limit '{IndicatorNormalizer.Printable(l)}' must be a number from 1 to 100000")
            : DefaultPageSize;
        var toIds = request.Option("toIds")?.ToLowerInvariant() is "yes" or "true" or "1";
        var fixedTags = FeedOptions.Tags(request);
        var url = request.Url.TrimEnd('/') + "/attributes/restSearch";
        var headers = new Dictionary<string, string> { ["Authorization"] = apiKey };
        for (var page = 1; page <= MaxPages; page++)
        {
            var body = new Dictionary<string, object>
            {
                ["returnFormat"] = "json",
                ["includeEventTags"] = true,
                ["includeContext"] = true,
                ["deleted"] = false,
                ["page"] = page,
                ["limit"] = pageSize,
            };
            if (request.Since is { } since)
                body["timestamp"] = since.ToUnixTimeSeconds();
            if (toIds)
                body["to_ids"] = true;
            List<FeedEntry> entries;
            int count;
            try
            {
                await using var doc = await fetcher.PostJsonAsync(url, JsonSerializer.Serialize(body), headers, ct);
                using var json = await JsonDocuments.ParseAsync(doc.Body, MaxPageBytes, $"page {page} of the restSearch answer", ct);
                (entries, count) = Page(json.RootElement, page, fixedTags);
            }
            catch (FeedFormatException e)
            {
                throw new FeedFormatException($"MISP restSearch at {IndicatorNormalizer.Printable(url)}: {e.Message}", e);
            }
            foreach (var entry in entries)
                yield return entry;
            if (count < pageSize)
                yield break;
        }
        throw new FeedFormatException($"MISP restSearch at {IndicatorNormalizer.Printable(url)} still sent full pages after {MaxPages} pages of {pageSize}; narrow the feed (toIds) or raise limit");
    }

    static (List<FeedEntry> Entries, int Count) Page(JsonElement root, int page, IReadOnlyList<string> fixedTags)
    {
        if (!root.TryGetProperty("response", out var response) || response.ValueKind != JsonValueKind.Object
            || !response.TryGetProperty("Attribute", out var attributes) || attributes.ValueKind != JsonValueKind.Array)
        {
            // MISP answers errors as {"name": ..., "message": ..., "url": ...} with a 4xx/5xx, but proxies may not.
            var message = root.Text("message") ?? root.Text("name");
            throw new FeedFormatException($"page {page} is not a restSearch answer ({{\"response\": {{\"Attribute\": [...]}}}})" + (message is null ? "" : $": {IndicatorNormalizer.Printable(message)}"));
        }
        var entries = new List<FeedEntry>();
        foreach (var attribute in attributes.EnumerateArray())
        {
            var ev = attribute.ValueKind == JsonValueKind.Object && attribute.TryGetProperty("Event", out var e) && e.ValueKind == JsonValueKind.Object ? e : default;
            var context = ev.ValueKind == JsonValueKind.Object ? MispAttributes.Context(ev) : null;
            var tags = context is null ? fixedTags : FeedOptions.Merge(fixedTags, context.Tags);
            if (MispAttributes.From(attribute, tags, context) is { } entry)
                entries.Add(entry);
        }
        return (entries, attributes.GetArrayLength());
    }
}
