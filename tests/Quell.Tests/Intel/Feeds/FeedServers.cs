using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Feeds;
using Quell.Intel.Feeds.Fetching;
using Quell.Tests.Support;

namespace Quell.Tests.Intel.Feeds;

/// <summary>
/// Servers for feed tests: feeds may reach 127.0.0.1 (the local publisher), retries are quick, the clock can be moved,
/// and the scheduler's own loop is off so that tests drive <see cref="FeedScheduler.TickAsync"/> themselves.
/// </summary>
static class FeedServerSetup
{
    public static void Configure(WebApplicationBuilder builder, ShiftableTime clock)
    {
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.Configure<FeedFetchOptions>(o =>
        {
            o.AllowPrivateNetworks = true;
            o.Retries = 1;
            o.RetryDelay = TimeSpan.FromMilliseconds(10);
        });
        builder.Services.Configure<FeedSchedulerOptions>(o => o.Enabled = false);
    }
}

public sealed class FeedSqliteServer : SqliteServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => FeedServerSetup.Configure(builder, Clock);
}

public sealed class FeedPostgresServer : PostgresServer, IClockedServer
{
    public ShiftableTime Clock { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => FeedServerSetup.Configure(builder, Clock);
}
