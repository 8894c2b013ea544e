using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Quell.Intel.Feeds.Formats;

/// <summary>
/// <c>misp</c>: a MISP feed (a directory or URL holding <c>manifest.json</c> and one <c>&lt;uuid&gt;.json</c> per event),
/// or one MISP event file. The URL names the feed directory or its manifest; a URL to another <c>.json</c> file is read
/// as a single event (<c>{"Event": ...}</c>, a bare event, or a restSearch answer <c>{"response": [...]}</c>). When the
/// pull has a <see cref="FeedRequest.Since"/>, only events whose manifest timestamp is newer are fetched.
/// <c>hashes.csv</c> is not read: it holds digests of values for MISP's quick lookups, from which no indicator can be
/// rebuilt, and the events hold every value it hashes.
/// </summary>
public sealed class MispFeedReader : IFeedReader
{
    /// <summary>MISP events of several hundred thousand attributes exist; nothing legitimate is near this.</summary>
    public const long MaxEventBytes = 256L * 1024 * 1024;
    public const long MaxManifestBytes = 64L * 1024 * 1024;

    public string Format => "misp";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var fixedTags = FeedOptions.Tags(request);
        var url = request.Url.TrimEnd('/');
        var single = url.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !url.EndsWith("/manifest.json", StringComparison.OrdinalIgnoreCase)
            && !url.Equals("manifest.json", StringComparison.OrdinalIgnoreCase);
        var manifestUrl = url.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? url : url + "/manifest.json";
        await using var doc = await fetcher.GetAsync(manifestUrl, null, ct);
        if (doc.NotModified)
            yield break;
        using var json = await JsonDocuments.ParseAsync(doc.Body, single ? MaxEventBytes : MaxManifestBytes, manifestUrl, ct);
        var root = json.RootElement;
        if (single || !IsManifest(root))
        {
            foreach (var entry in SingleDocument(root, manifestUrl, fixedTags))
                yield return entry;
            yield break;
        }
        var directory = manifestUrl[..(manifestUrl.Length - "manifest.json".Length)];
        foreach (var (key, meta) in root.EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            if (!Guid.TryParse(key, out var uuid))
            {
                // The key becomes a file name: only a uuid may, never "../../etc/passwd".
                yield return FeedEntry.Fail($"manifest entry '{IndicatorNormalizer.Printable(key)}'", "an event is named by its uuid");
                continue;
            }
            if (request.Since is { } since && FeedValues.TryTime(meta.Text("timestamp"), out var changed) && changed is { } t && t <= since)
                continue;
            var entries = await ReadEventAsync(fetcher, directory + uuid.ToString("D") + ".json", uuid, fixedTags, ct);
            foreach (var entry in entries)
                yield return entry;
        }
    }

    /// <summary>One event file of the feed; a file that cannot be fetched or read is one item error and the feed goes on.</summary>
    static async Task<List<FeedEntry>> ReadEventAsync(IFeedFetcher fetcher, string url, Guid uuid, IReadOnlyList<string> fixedTags, CancellationToken ct)
    {
        var where = $"event {uuid:D}";
        try
        {
            await using var doc = await fetcher.GetAsync(url, null, ct);
            using var json = await JsonDocuments.ParseAsync(doc.Body, MaxEventBytes, $"{uuid:D}.json", ct);
            if (!json.RootElement.TryGetProperty("Event", out var ev) || ev.ValueKind != JsonValueKind.Object)
                return [FeedEntry.Fail(where, $"{uuid:D}.json holds no \"Event\" object")];
            return MispAttributes.FromEvent(ev, fixedTags);
        }
        catch (FeedFormatException e)
        {
            return [FeedEntry.Fail(where, e.Message)];
        }
    }

    /// <summary>A manifest maps event uuids to objects (info, timestamp, ...); an event has Attribute or Object arrays.</summary>
    static bool IsManifest(JsonElement root) =>
        root.ValueKind == JsonValueKind.Object && !root.TryGetProperty("Event", out _) && !root.TryGetProperty("response", out _)
        && !root.TryGetProperty("Attribute", out _) && !root.TryGetProperty("Object", out _);

    static IEnumerable<FeedEntry> SingleDocument(JsonElement root, string url, IReadOnlyList<string> fixedTags)
    {
        var list = new List<JsonElement>();
        if (root.ValueKind != JsonValueKind.Object)
            throw new FeedFormatException($"{url} is neither a MISP feed manifest nor a MISP event (it is not a JSON object)");
        if (root.TryGetProperty("Event", out var ev))
        {
            list.Add(ev);
        }
        else if (root.TryGetProperty("response", out var response))
        {
            foreach (var e in response.ValueKind == JsonValueKind.Array ? [.. response.EnumerateArray()] : new[] { response })
                list.Add(e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Event", out var inner) ? inner : e);
        }
        else if (root.TryGetProperty("Attribute", out _) || root.TryGetProperty("Object", out _))
        {
            list.Add(root);
        }
        list.RemoveAll(e => e.ValueKind != JsonValueKind.Object);
        if (list.Count == 0)
            throw new FeedFormatException($"{url} is neither a MISP feed manifest nor a MISP event (no \"Event\", \"Attribute\" or \"Object\")");
        return list.SelectMany(e => MispAttributes.FromEvent(e, fixedTags));
    }
}
