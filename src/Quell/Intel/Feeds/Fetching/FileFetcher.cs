namespace Quell.Intel.Feeds.Fetching;

/// <summary>
/// Feeds kept on disk, for offline use and mirrored feeds: <c>file:///srv/feeds/x.csv</c> or a plain path. Relative
/// URLs (a MISP feed's <c>&lt;uuid&gt;.json</c> next to its manifest) resolve against the directory of
/// <see cref="BaseUrl"/>. Conditional headers do not apply: a local file is read whole every pull. Every file, the
/// feed's own and those it names, must be allowed by <paramref name="options"/> (<see cref="LocalFeedPaths"/>).
/// </summary>
public sealed class FileFetcher(string baseUrl, FeedFetchOptions options) : IFeedFetcher
{
    public string BaseUrl { get; } = baseUrl;

    /// <summary>True for <c>file://</c> URLs and plain paths (anything that is not an absolute URL of another scheme).</summary>
    public static bool Handles(string url) =>
        url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(url, UriKind.Absolute, out var u) || u.IsFile;

    public Task<FeedDocument> GetAsync(string url, IReadOnlyDictionary<string, string>? headers, CancellationToken ct)
    {
        var path = Resolve(url);
        if (LocalFeedPaths.Refusal(path, options.LocalDirectories, options.ProtectedDirectories) is { } refusal)
            throw new FeedFormatException(refusal);
        if (Directory.Exists(path))
            throw new FeedFormatException($"{path} is a directory; name the feed's file (for a MISP feed, its manifest.json)");
        try
        {
            Stream body = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            return Task.FromResult(new FeedDocument(body));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException or IOException)
        {
            throw new FeedFormatException($"cannot read {path}: {e.Message}", e);
        }
    }

    public Task<FeedDocument> PostJsonAsync(string url, string json, IReadOnlyDictionary<string, string>? headers, CancellationToken ct) =>
        throw new FeedFormatException($"this feed format asks its source over HTTP (POST); {Resolve(url)} is a local file");

    /// <summary>The local path of <paramref name="url"/>: absolute as given, relative to the base URL's directory otherwise.</summary>
    public string Resolve(string url)
    {
        var path = ToPath(url);
        if (Path.IsPathRooted(path))
            return Path.GetFullPath(path);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(ToPath(BaseUrl))) ?? ".";
        return Path.GetFullPath(Path.Combine(baseDir, path));
    }

    /// <summary>The local path a feed's URL names (absolute, or relative to the working directory).</summary>
    public static string PathOf(string url) => Path.GetFullPath(ToPath(url));

    static string ToPath(string url) =>
        url.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? Uri.UnescapeDataString(new Uri(url).LocalPath) : url;
}
