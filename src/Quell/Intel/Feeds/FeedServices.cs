using Microsoft.Extensions.DependencyInjection;
using Quell.Intel.Feeds.Fetching;
using Quell.Jobs;

namespace Quell.Intel.Feeds;

/// <summary>Feeds at run time: HTTP fetching, readers, the pull job and the scheduler.</summary>
public static class FeedServices
{
    public static IServiceCollection AddIntelFeeds(this IServiceCollection services)
    {
        services.AddFeedHttp();
        services.AddSingleton<FeedSecrets>();
        // Every IFeedReader in this assembly is registered (its constructor's services injected): a format's reader,
        // once written, is used without wiring.
        foreach (var type in typeof(IFeedReader).Assembly.GetTypes())
            if (type is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IFeedReader).IsAssignableFrom(type))
                services.AddSingleton(typeof(IFeedReader), type);
        services.AddSingleton<FeedPullJob>();
        services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<FeedPullJob>());
        services.AddOptions<FeedSchedulerOptions>();
        services.AddSingleton<FeedScheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<FeedScheduler>());
        return services;
    }
}
