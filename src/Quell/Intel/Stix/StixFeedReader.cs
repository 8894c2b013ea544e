using System.Runtime.CompilerServices;
using System.Text.Json;
using Quell.Intel.Feeds;

namespace Quell.Intel.Stix;

/// <summary>
/// Format <c>stix</c>: a STIX 2.1 (or 2.0) bundle in a file or at a URL. A single STIX object instead of a bundle is
/// read as a bundle of one. No options.
/// </summary>
public sealed class StixFeedReader : IFeedReader
{
    public string Format => "stix";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        JsonDocument json;
        await using (var document = await fetcher.GetAsync(request.Url, null, ct))
        {
            if (document.NotModified)
                yield break;
            json = await StixJson.ParseAsync(document, "the STIX bundle", ct);
        }
        using (json)
        {
            foreach (var entry in StixObjectReader.Read(Objects(json.RootElement)))
            {
                ct.ThrowIfCancellationRequested();
                yield return entry;
            }
        }
    }

    /// <summary>The objects of a bundle, or the one object the document is; anything else is not STIX.</summary>
    public static IReadOnlyList<JsonElement> Objects(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new FeedFormatException($"the document is a JSON {root.ValueKind.ToString().ToLowerInvariant()}, not a STIX bundle (an object with \"type\": \"bundle\")");
        var type = root.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type == "bundle")
        {
            if (!root.TryGetProperty("objects", out var objects))
                return [];
            if (objects.ValueKind != JsonValueKind.Array)
                throw new FeedFormatException("the bundle's \"objects\" is not a list");
            return [.. objects.EnumerateArray()];
        }
        if (type is not null && root.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String && id.GetString()!.StartsWith(type + "--", StringComparison.Ordinal))
            return [root];
        throw new FeedFormatException("the document is not a STIX bundle: its top-level object has no \"type\": \"bundle\" (nor is it one STIX object with a type and an id)");
    }
}
