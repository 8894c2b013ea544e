using Quell.Intel.Feeds.Fetching;

namespace Quell.Tests.Support;

/// <summary>Where tests keep local feed files, and what test servers let local feeds read (Feeds:LocalDirectories).</summary>
public static class LocalFeeds
{
    /// <summary>
    /// The shared conformance data, the repository (its feed samples), the temporary folder (files a test writes), and
    /// /srv, where tests register feeds that are never pulled.
    /// </summary>
    public static IReadOnlyList<string> Directories { get; } =
    [
        Path.GetFullPath(Path.Combine(TestData.RepositoryRoot, "..", "shared", "testdata")),
        TestData.RepositoryRoot,
        Path.GetTempPath(),
        "/srv",
    ];

    /// <summary>A fetcher for a local feed file allowed to read the test directories.</summary>
    public static FileFetcher Fetcher(string url) => new(url, new FeedFetchOptions { LocalDirectories = [.. Directories] });
}
