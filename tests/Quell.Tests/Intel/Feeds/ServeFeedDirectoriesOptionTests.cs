using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Quell.Intel.Feeds.Fetching;
using Quell.Server;
using Quell.Server.Cli;

namespace Quell.Tests.Intel.Feeds;

public sealed class ServeFeedDirectoriesOptionTests
{
    [Fact]
    public void The_serve_option_takes_directories_separated_like_a_path()
    {
        var settings = ServeCommand.Settings(ServeCommand.Create().Parse(["--feed-directories", $"/srv/feeds{Path.PathSeparator} /mnt/mirror "]));
        Assert.Equal(["/srv/feeds", "/mnt/mirror"], settings.FeedDirectories);
    }

    [Fact]
    public async Task The_directories_reach_the_feed_options_and_the_data_folder_is_protected_by_default()
    {
        var data = Directory.CreateTempSubdirectory("quell-feed-dirs-").FullName;
        try
        {
            await using var with = QuellHost.Build(new ServeSettings("http://127.0.0.1:0", data, null, FeedDirectories: ["/srv/feeds"]));
            Assert.Equal(["/srv/feeds"], with.Services.GetRequiredService<IOptions<FeedFetchOptions>>().Value.LocalDirectories);
            await using var without = QuellHost.Build(new ServeSettings("http://127.0.0.1:0", data, null));
            var defaults = without.Services.GetRequiredService<IOptions<FeedFetchOptions>>().Value;
            Assert.Empty(defaults.LocalDirectories);
            Assert.Contains(Path.GetFullPath(data), defaults.ProtectedDirectories);
            Assert.Contains("/etc", defaults.ProtectedDirectories);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
