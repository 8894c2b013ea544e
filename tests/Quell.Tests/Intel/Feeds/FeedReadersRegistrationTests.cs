using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Feeds;

namespace Quell.Tests.Intel.Feeds;

public sealed class FeedReadersRegistrationTests(FeedSqliteServer server) : IClassFixture<FeedSqliteServer>
{
    [Fact]
    public void Every_reader_in_the_platform_is_registered_for_its_format_and_every_format_is_one_of_the_contract()
    {
        var readers = server.Services.GetServices<IFeedReader>().ToList();
        var types = typeof(IFeedReader).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IFeedReader).IsAssignableFrom(t));
        Assert.Equal(types.OrderBy(t => t.Name), readers.Select(r => r.GetType()).OrderBy(t => t.Name));
        Assert.All(readers, r => Assert.Contains(r.Format, FeedFormats.All));
        var job = server.Services.GetRequiredService<FeedPullJob>();
        foreach (var format in new[] { "misp", "misp-instance", "csv", "freetext", "phishtank", "urlhaus", "feodo", "threatfox" })
            Assert.True(job.HasReader(format), $"no reader for {format}");
    }
}
