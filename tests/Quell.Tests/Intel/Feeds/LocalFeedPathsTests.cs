using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;

namespace Quell.Tests.Intel.Feeds;

/// <summary>Which local files a feed may read: below the configured directories, after resolving .. and symbolic links.</summary>
public sealed class LocalFeedPathsTests : IDisposable
{
    readonly string _root = Directory.CreateTempSubdirectory("quell-local-feeds-").FullName;
    readonly string _allowed;
    readonly string _outside;

    public LocalFeedPathsTests()
    {
        _allowed = Directory.CreateDirectory(Path.Combine(_root, "feeds")).FullName;
        _outside = Directory.CreateDirectory(Path.Combine(_root, "private")).FullName;
        File.WriteAllText(Path.Combine(_allowed, "list.txt"), "evil.example\n");
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "not for feeds\n");
        Directory.CreateDirectory(Path.Combine(_allowed, "sub"));
        File.WriteAllText(Path.Combine(_allowed, "sub", "deeper.txt"), "evil.example\n");
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Files_below_an_allowed_directory_may_be_read()
    {
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "list.txt"), [_allowed]));
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "sub", "deeper.txt"), [_outside, _allowed + "/"]));
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "sub", "..", "list.txt"), [_allowed]));
        // A file that does not exist yet may be registered; reading it fails later as "cannot read".
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "later.txt"), [_allowed]));
    }

    [Fact]
    public void Files_outside_a_traversal_out_and_a_sibling_with_the_same_prefix_are_refused()
    {
        var outside = LocalFeedPaths.Refusal(Path.Combine(_outside, "secret.txt"), [_allowed]);
        Assert.NotNull(outside);
        Assert.Contains("outside the directories local feeds may read", outside, StringComparison.Ordinal);
        Assert.Contains("Feeds:LocalDirectories", outside, StringComparison.Ordinal);
        Assert.NotNull(LocalFeedPaths.Refusal(Path.Combine(_allowed, "..", "private", "secret.txt"), [_allowed]));
        Assert.NotNull(LocalFeedPaths.Refusal("/etc/passwd", [_allowed]));
        Directory.CreateDirectory(_allowed + "-other");
        Assert.NotNull(LocalFeedPaths.Refusal(Path.Combine(_allowed + "-other", "x.txt"), [_allowed]));
        // The directory itself is not a file below it.
        Assert.NotNull(LocalFeedPaths.Refusal(_allowed, [_allowed]));
    }

    [Fact]
    public void Symbolic_links_are_followed_before_the_check_wherever_they_are_on_the_path()
    {
        var fileLink = Path.Combine(_allowed, "innocent.txt");
        File.CreateSymbolicLink(fileLink, Path.Combine(_outside, "secret.txt"));
        var dirLink = Path.Combine(_allowed, "shortcut");
        Directory.CreateSymbolicLink(dirLink, _outside);
        var relativeLink = Path.Combine(_allowed, "sub", "up.txt");
        File.CreateSymbolicLink(relativeLink, Path.Combine("..", "..", "private", "secret.txt"));
        var inside = Path.Combine(_allowed, "alias.txt");
        File.CreateSymbolicLink(inside, Path.Combine(_allowed, "list.txt"));

        var refusal = LocalFeedPaths.Refusal(fileLink, [_allowed]);
        Assert.NotNull(refusal);
        Assert.Contains("resolves to " + Path.Combine(_outside, "secret.txt"), refusal, StringComparison.Ordinal);
        Assert.NotNull(LocalFeedPaths.Refusal(Path.Combine(dirLink, "secret.txt"), [_allowed]));
        Assert.NotNull(LocalFeedPaths.Refusal(relativeLink, [_allowed]));
        Assert.Null(LocalFeedPaths.Refusal(inside, [_allowed]));
        // An allowed directory reached through a link is allowed under its real path too.
        var viaLink = Path.Combine(_root, "feeds-link");
        Directory.CreateSymbolicLink(viaLink, _allowed);
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "list.txt"), [viaLink]));
    }

    [Fact]
    public void Turned_off_every_local_feed_is_refused_naming_the_setting()
    {
        var refusal = LocalFeedPaths.Refusal(Path.Combine(_allowed, "list.txt"), [LocalFeedPaths.Off]);
        Assert.NotNull(refusal);
        Assert.Contains("turned off", refusal, StringComparison.Ordinal);
        Assert.Contains("Feeds:LocalDirectories", refusal, StringComparison.Ordinal);
        Assert.Contains("--feed-directories", refusal, StringComparison.Ordinal);
    }

    [Fact]
    public void With_no_directory_configured_any_file_outside_the_protected_directories_is_read()
    {
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_allowed, "list.txt"), []));
        Assert.Null(LocalFeedPaths.Refusal(Path.Combine(_outside, "secret.txt"), [], [_allowed]));
        var data = LocalFeedPaths.Refusal(Path.Combine(_allowed, "sub", "deeper.txt"), [], [_allowed]);
        Assert.NotNull(data);
        Assert.Contains("protected", data, StringComparison.Ordinal);
        Assert.Contains("Feeds:LocalDirectories", data, StringComparison.Ordinal);
        Assert.NotNull(LocalFeedPaths.Refusal("/etc/shadow", []));
        Assert.NotNull(LocalFeedPaths.Refusal("/proc/self/environ", []));
        // A link from an ordinary directory into a protected one is followed before the check.
        var link = Path.Combine(_outside, "to-etc");
        Directory.CreateSymbolicLink(link, "/etc");
        Assert.NotNull(LocalFeedPaths.Refusal(Path.Combine(link, "passwd"), []));
        Assert.NotNull(LocalFeedPaths.Refusal(Path.Combine(_outside, "..", Path.GetFileName(_allowed), "list.txt"), [], [_allowed]));
    }

    [Fact]
    public async Task The_fetcher_checks_every_file_it_opens_including_names_relative_to_the_feed()
    {
        var fetcher = new FileFetcher(Path.Combine(_allowed, "list.txt"), new FeedFetchOptions { LocalDirectories = [_allowed] });
        await using (var doc = await fetcher.GetAsync(Path.Combine(_allowed, "list.txt"), null, CancellationToken.None))
            Assert.Equal("evil.example\n", await new StreamReader(doc.Body).ReadToEndAsync());
        await using (await fetcher.GetAsync("sub/deeper.txt", null, CancellationToken.None))
        {
        }
        var traversal = await Assert.ThrowsAsync<FeedFormatException>(() => fetcher.GetAsync("../private/secret.txt", null, CancellationToken.None));
        Assert.Contains("outside the directories", traversal.Message, StringComparison.Ordinal);
        var absolute = await Assert.ThrowsAsync<FeedFormatException>(() => fetcher.GetAsync(new Uri(Path.Combine(_outside, "secret.txt")).AbsoluteUri, null, CancellationToken.None));
        Assert.Contains("outside the directories", absolute.Message, StringComparison.Ordinal);
    }
}
