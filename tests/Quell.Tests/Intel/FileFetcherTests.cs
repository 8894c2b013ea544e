using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Tests.Support;

namespace Quell.Tests.Intel;

public sealed class FileFetcherTests
{
    [Fact]
    public async Task Relative_names_resolve_next_to_the_feed_file_given_as_a_file_url_or_a_path()
    {
        var manifest = TestData.Shared("misp", "feed", "manifest.json");
        foreach (var feedUrl in new[] { new Uri(manifest).AbsoluteUri, manifest })
        {
            var fetcher = LocalFeeds.Fetcher(feedUrl);
            await using var doc = await fetcher.GetAsync("hashes.csv", null, CancellationToken.None);
            using var reader = new StreamReader(doc.Body);
            Assert.False(string.IsNullOrWhiteSpace(await reader.ReadLineAsync()));
            Assert.Equal(Path.Combine(Path.GetDirectoryName(manifest)!, "hashes.csv"), fetcher.Resolve("hashes.csv"));
        }
    }

    [Fact]
    public async Task A_missing_file_or_a_directory_is_a_feed_error_naming_the_path()
    {
        var fetcher = new FileFetcher("/nonexistent/feed.csv", new FeedFetchOptions { LocalDirectories = ["/nonexistent", Path.GetTempPath()] });
        var missing = await Assert.ThrowsAsync<FeedFormatException>(() => fetcher.GetAsync("/nonexistent/feed.csv", null, CancellationToken.None));
        Assert.Contains("/nonexistent/feed.csv", missing.Message, StringComparison.Ordinal);
        var directory = Directory.CreateTempSubdirectory("quell-feed-dir-").FullName;
        try
        {
            var dir = await Assert.ThrowsAsync<FeedFormatException>(() => fetcher.GetAsync(directory, null, CancellationToken.None));
            Assert.Contains("is a directory", dir.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory);
        }
    }

    [Theory]
    [InlineData("file:///srv/feeds/x.csv", true)]
    [InlineData("/srv/feeds/x.csv", true)]
    [InlineData("feeds/x.csv", true)]
    [InlineData("https://example.org/feed.csv", false)]
    [InlineData("http://127.0.0.1:8080/feed.csv", false)]
    public void Only_file_urls_and_paths_are_handled(string url, bool handled) => Assert.Equal(handled, FileFetcher.Handles(url));
}
