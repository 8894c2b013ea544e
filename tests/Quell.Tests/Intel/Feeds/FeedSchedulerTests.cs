using System.Net;
using System.Net.Http.Json;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Feeds;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds;

/// <summary>The scheduler turns each due time of a feed's cron schedule into exactly one pull job.</summary>
public abstract class FeedSchedulerTests(TestServer server)
{
    ShiftableTime Clock => ((IClockedServer)server).Clock;

    Task<int> JobsAsync(long feedId) =>
        server.Db.ReadAsync(c => c.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM jobs WHERE kind = 'intel.feed-pull' AND dedupe_key LIKE @key", new { key = $"intel.feed-pull:{feedId}:%" }));

    [Fact]
    public void The_next_run_is_the_next_cron_time_after_now()
    {
        var now = new DateTimeOffset(2026, 3, 1, 10, 17, 0, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), FeedScheduler.NextRunAt("0 */6 * * *", true, now));
        Assert.Equal(new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), FeedScheduler.NextRunAt("@daily", true, now));
        Assert.Null(FeedScheduler.NextRunAt("0 * * * *", false, now));
        Assert.Null(FeedScheduler.NextRunAt(null, true, now));
    }

    [Fact]
    public async Task Each_due_time_enqueues_one_pull_however_many_schedulers_look()
    {
        using var client = server.Client();
        var feed = await client.PostAsJsonAsync("/api/v1/feeds", new
        {
            name = "scheduled-" + Guid.NewGuid().ToString("N")[..8],
            format = "freetext",
            url = "/srv/nonexistent/feed.txt",
            schedule = "0 * * * *",
        }).ExpectAsync(HttpStatusCode.Created);
        var id = feed.Id();
        var scheduler = server.Services.GetRequiredService<FeedScheduler>();

        await scheduler.TickAsync();
        Assert.Equal(0, await JobsAsync(id));

        Clock.Advance(TimeSpan.FromMinutes(61));
        // Several nodes (here: several ticks at once) see the same due time; one job results.
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => scheduler.TickAsync()));
        Assert.Equal(1, await JobsAsync(id));
        await scheduler.TickAsync();
        Assert.Equal(1, await JobsAsync(id));
        var next = (await client.GetAsync($"/api/v1/feeds/{id}").ExpectAsync(HttpStatusCode.OK)).GetProperty("health").GetProperty("nextRunAt").GetInt64();
        Assert.True(next > Clock.GetUtcNow().ToUnixTimeMilliseconds());

        // A server down for three hours makes one pull for the missed times, not three.
        Clock.Advance(TimeSpan.FromHours(3));
        await scheduler.TickAsync();
        await scheduler.TickAsync();
        Assert.Equal(2, await JobsAsync(id));
    }

    [Fact]
    public async Task A_disabled_feed_is_not_scheduled()
    {
        using var client = server.Client();
        var id = (await client.PostAsJsonAsync("/api/v1/feeds", new
        {
            name = "off-" + Guid.NewGuid().ToString("N")[..8],
            format = "freetext",
            url = "/srv/nonexistent/feed.txt",
            schedule = "*/5 * * * *",
            enabled = false,
        }).ExpectAsync(HttpStatusCode.Created)).Id();
        Clock.Advance(TimeSpan.FromMinutes(10));
        await server.Services.GetRequiredService<FeedScheduler>().TickAsync();
        Assert.Equal(0, await JobsAsync(id));
    }
}

public sealed class FeedSchedulerTestsOnSqlite(FeedSqliteServer server) : FeedSchedulerTests(server), IClassFixture<FeedSqliteServer>;

public sealed class FeedSchedulerTestsOnPostgres(FeedPostgresServer server) : FeedSchedulerTests(server), IClassFixture<FeedPostgresServer>;
