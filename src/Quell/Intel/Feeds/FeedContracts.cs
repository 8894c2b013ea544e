namespace Quell.Intel.Feeds;

/// <summary>
/// Reads one feed format (MISP feed, STIX bundle, PhishTank, ...) into indicator records. A reader is pure over its
/// <see cref="IFeedFetcher"/>: it asks for the bytes it needs (one file, a manifest and its events, TAXII pages) and
/// yields what it parsed. A bad item is yielded as a <see cref="FeedEntry.Error"/> and reading goes on; a feed that
/// cannot be read at all (unreachable, not the format, truncated) throws <see cref="FeedFormatException"/>.
/// </summary>
public interface IFeedReader
{
    /// <summary>The format name used in <c>POST /api/v1/feeds</c>: misp, misp-instance, stix, taxii, csv, freetext, phishtank, urlhaus, feodo, threatfox.</summary>
    string Format { get; }

    IAsyncEnumerable<FeedEntry> ReadAsync(FeedRequest request, IFeedFetcher fetcher, CancellationToken ct);
}

/// <summary>
/// Where and how to read a feed. <see cref="Options"/> carries format settings (CSV column mapping, delimiter,
/// API key, TAXII collection, ...; each reader documents its keys). <see cref="Since"/> is the end of the last
/// successful pull, for sources that can send only what changed (TAXII <c>added_after</c>, MISP restSearch).
/// </summary>
public sealed record FeedRequest(string Url, IReadOnlyDictionary<string, string> Options, DateTimeOffset? Since = null)
{
    public string? Option(string key) => Options.TryGetValue(key, out var v) && !string.IsNullOrWhiteSpace(v) ? v : null;
}

/// <summary>One parsed indicator, or one item that could not be read (with where and why).</summary>
public readonly record struct FeedEntry(IndicatorRecord? Indicator, FeedItemError? Error)
{
    public static FeedEntry Of(IndicatorRecord indicator) => new(indicator, null);
    public static FeedEntry Fail(string where, string message) => new(null, new FeedItemError(where, message));
}

/// <summary>The feed as a whole could not be read; the pull fails with this message and keeps every indicator it had.</summary>
public sealed class FeedFormatException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Fetches feed bytes: <c>http(s)://</c>, <c>file://</c> or a local path. HTTP answers other than 2xx/304 throw
/// <see cref="FeedFormatException"/> naming the status. Conditional headers (ETag, If-Modified-Since) are applied by
/// the fetcher to the request the puller marks as the feed's main document.
/// </summary>
public interface IFeedFetcher
{
    /// <summary>GET a document. <paramref name="url"/> may be relative to the feed URL (MISP feed events, TAXII paths).</summary>
    Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct);

    /// <summary>POST a JSON body (MISP restSearch, ThreatFox API) and return the answer.</summary>
    Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct);
}

/// <summary>A fetched document. <see cref="NotModified"/> means the source answered 304 (nothing changed since the last pull).</summary>
public sealed class FeedDocument(Stream body, bool notModified = false, string? mediaType = null) : IAsyncDisposable, IDisposable
{
    public Stream Body { get; } = body;
    public bool NotModified { get; } = notModified;
    public string? MediaType { get; } = mediaType;

    public ValueTask DisposeAsync() => Body.DisposeAsync();
    public void Dispose() => Body.Dispose();
}
