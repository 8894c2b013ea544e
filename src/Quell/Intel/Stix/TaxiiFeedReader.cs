using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Quell.Intel.Feeds;

namespace Quell.Intel.Stix;

/// <summary>
/// Format <c>taxii</c>: a TAXII 2.1 client. The feed URL is a discovery endpoint (<c>https://host/taxii2/</c>), an
/// API root, or a collection. From discovery it takes the API root named by option <c>api_root</c> (URL or title),
/// else the server's default, else the only one; from the API root's <c>collections/</c> the collection named by
/// option <c>collection</c> (id or title), else the only readable one. It then pages through
/// <c>collections/{id}/objects/</c> with <c>limit</c> (option, default 1000) and <c>added_after</c> (the end of the
/// last successful pull), following <c>next</c> while <c>more</c> is true, and reads the objects as a STIX bundle.
/// Authentication: options <c>username</c> + <c>password</c> (Basic) or <c>token</c> (Bearer).
/// </summary>
public sealed class TaxiiFeedReader : IFeedReader
{
    public const string MediaType = "application/taxii+json;version=2.1";

    /// <summary>A collection larger than this many pages is refused: a server looping on <c>next</c> must not hang a pull.</summary>
    public const int MaxPages = 100_000;

    public string Format => "taxii";

    public async IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, [EnumeratorCancellation] CancellationToken ct)
    {
        var headers = Headers(request);
        var documents = new List<JsonDocument>();
        try
        {
            var collectionUrl = await CollectionUrlAsync(request, fetcher, headers, ct);
            var limit = request.Option("limit") is { } l && int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : 1000;
            string? next = null;
            var objects = new List<JsonElement>();
            for (var page = 0; ; page++)
            {
                if (page == MaxPages)
                    throw new FeedFormatException($"the TAXII collection {collectionUrl} still says 'more' after {MaxPages} pages; the server is paging in a loop");
                var query = new StringBuilder("?limit=").Append(limit.ToString(CultureInfo.InvariantCulture));
                if (request.Since is { } since)
                    query.Append("&added_after=").Append(Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)));
                if (next is not null)
                    query.Append("&next=").Append(Uri.EscapeDataString(next));
                var envelope = await GetJsonAsync(fetcher, new Uri(new Uri(collectionUrl), "objects/" + query).ToString(), headers, "objects page", ct);
                if (envelope is null)
                    yield break;
                documents.Add(envelope);
                var root = envelope.RootElement;
                if (root.ValueKind != JsonValueKind.Object)
                    throw new FeedFormatException($"the TAXII objects page of {collectionUrl} is not an envelope (a JSON object with 'objects')");
                if (root.TryGetProperty("objects", out var list) && list.ValueKind == JsonValueKind.Array)
                    objects.AddRange(list.EnumerateArray());
                var more = root.TryGetProperty("more", out var m) && m.ValueKind == JsonValueKind.True;
                next = root.TryGetProperty("next", out var nx) && nx.ValueKind == JsonValueKind.String ? nx.GetString() : null;
                if (!more)
                    break;
                if (string.IsNullOrEmpty(next))
                    throw new FeedFormatException($"the TAXII server says more objects follow in {collectionUrl} but gives no 'next' to ask for them");
            }
            // All pages first: a report or identity on a later page still gives context to an indicator on an earlier one.
            foreach (var entry in StixObjectReader.Read(objects))
            {
                ct.ThrowIfCancellationRequested();
                yield return entry;
            }
        }
        finally
        {
            foreach (var d in documents)
                d.Dispose();
        }
    }

    static Dictionary<string, string> Headers(FeedRequest request)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Accept"] = MediaType };
        if (request.Option("token") is { } token)
            headers["Authorization"] = "Bearer " + token;
        else if (request.Option("username") is { } user)
            headers["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + (request.Option("password") ?? "")));
        return headers;
    }

    /// <summary>Walks from the feed URL (discovery, API root or collection) to the collection's URL, ending in '/'.</summary>
    static async Task<string> CollectionUrlAsync(FeedRequest request, IFeedFetcher fetcher, Dictionary<string, string> headers, CancellationToken ct)
    {
        var url = Slash(request.Url);
        using (var first = await GetJsonAsync(fetcher, url, headers, "discovery", ct) ?? throw new FeedFormatException($"{url} answered 304 Not Modified to a TAXII discovery request"))
        {
            var root = first.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new FeedFormatException($"{url} did not answer a TAXII discovery, API root or collection resource");
            if (root.TryGetProperty("can_read", out _) && root.TryGetProperty("id", out _))
                return url; // the URL is a collection
            if (root.TryGetProperty("api_roots", out var roots) && roots.ValueKind == JsonValueKind.Array)
                url = ApiRoot(request, url, root, roots);
            else if (!root.TryGetProperty("versions", out _))
                throw new FeedFormatException($"{url} did not answer a TAXII 2.1 discovery (api_roots), API root (versions) or collection (id, can_read) resource");
        }
        var collectionsUrl = new Uri(new Uri(url), "collections/").ToString();
        using var collections = await GetJsonAsync(fetcher, collectionsUrl, headers, "collections", ct) ?? throw new FeedFormatException($"{collectionsUrl} answered 304 Not Modified");
        var list = collections.RootElement.ValueKind == JsonValueKind.Object && collections.RootElement.TryGetProperty("collections", out var c) && c.ValueKind == JsonValueKind.Array
            ? c.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object && Str(x, "id") is not null).ToList()
            : [];
        var wanted = request.Option("collection");
        var matches = wanted is null
            ? list.Where(x => !x.TryGetProperty("can_read", out var r) || r.ValueKind != JsonValueKind.False).ToList()
            : list.Where(x => Str(x, "id") == wanted || string.Equals(Str(x, "title"), wanted, StringComparison.OrdinalIgnoreCase)).ToList();
        var names = list.Count == 0 ? "none" : string.Join(", ", list.Select(x => $"'{IndicatorNormalizer.Printable(Str(x, "title") ?? "")}' ({IndicatorNormalizer.Printable(Str(x, "id")!)})"));
        if (matches.Count != 1)
            throw new FeedFormatException(wanted is null
                ? $"the TAXII API root {url} has {matches.Count} readable collections; set the feed option 'collection' to the id or title of one: {names}"
                : $"the TAXII API root {url} has no collection with id or title '{IndicatorNormalizer.Printable(wanted)}'; it has: {names}");
        var chosen = matches[0];
        if (chosen.TryGetProperty("can_read", out var canRead) && canRead.ValueKind == JsonValueKind.False)
            throw new FeedFormatException($"the TAXII collection '{IndicatorNormalizer.Printable(Str(chosen, "title") ?? "")}' is not readable with these credentials (can_read is false)");
        return new Uri(new Uri(collectionsUrl), Uri.EscapeDataString(Str(chosen, "id")!) + "/").ToString();
    }

    static string ApiRoot(FeedRequest request, string discoveryUrl, JsonElement discovery, JsonElement roots)
    {
        var all = roots.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => Slash(new Uri(new Uri(discoveryUrl), r.GetString()!).ToString())).ToList();
        if (request.Option("api_root") is { } wanted)
        {
            var byUrl = all.FirstOrDefault(r => r == Slash(wanted) || r.TrimEnd('/').EndsWith("/" + wanted.Trim('/'), StringComparison.Ordinal));
            return byUrl ?? throw new FeedFormatException($"the TAXII server {discoveryUrl} has no API root '{IndicatorNormalizer.Printable(wanted)}'; it has: {string.Join(", ", all)}");
        }
        if (Str(discovery, "default") is { } def)
            return Slash(new Uri(new Uri(discoveryUrl), def).ToString());
        return all.Count == 1 ? all[0]
            : throw new FeedFormatException($"the TAXII server {discoveryUrl} has {all.Count} API roots and no default; set the feed option 'api_root' to one of: {string.Join(", ", all)}");
    }

    /// <summary>GETs a TAXII resource; fetcher errors are given the TAXII step and a hint for the usual causes.</summary>
    static async Task<JsonDocument?> GetJsonAsync(IFeedFetcher fetcher, string url, Dictionary<string, string> headers, string what, CancellationToken ct)
    {
        try
        {
            await using var document = await fetcher.GetAsync(url, headers, ct);
            if (document.NotModified)
                return null;
            return await StixJson.ParseAsync(document, $"the TAXII {what} at {url}", ct);
        }
        catch (FeedFormatException e) when (!e.Message.StartsWith("the TAXII", StringComparison.Ordinal))
        {
            var hint = e.Message.Contains("401", StringComparison.Ordinal) || e.Message.Contains("403", StringComparison.Ordinal)
                ? "; check the feed options username/password or token"
                : e.Message.Contains("406", StringComparison.Ordinal) ? "; the server does not serve TAXII 2.1 (" + MediaType + ")" : "";
            throw new FeedFormatException($"TAXII {what} request failed: {e.Message}{hint}", e);
        }
    }

    static string Slash(string url) => url.EndsWith('/') ? url : url + "/";

    static string? Str(JsonElement o, string name) => o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
