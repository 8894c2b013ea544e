using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Intel.Feeds;

public sealed class FeedSchedulerOptions
{
    /// <summary>How often the scheduler looks for due feeds. A pull starts at most this late after its cron time.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    public bool Enabled { get; set; } = true;
}

/// <summary>
/// Enqueues pulls of enabled feeds whose cron schedule is due. Every node may run it: the enqueued job's dedupe key is
/// (feed, due time), and the move to the next due time is a compare-and-set on the one read, so a due time becomes
/// exactly one job however many nodes see it. The pull itself is a durable job (<see cref="FeedPullJob"/>).
/// </summary>
public sealed partial class FeedScheduler(Db db, JobQueue queue, TimeProvider time, IOptions<FeedSchedulerOptions> options, ILogger<FeedScheduler> logger)
    : BackgroundService
{
    /// <summary>The next due time of a schedule after <paramref name="after"/> (Unix ms), or null for a feed pulled only on demand.</summary>
    public static long? NextRunAt(string? schedule, bool enabled, DateTimeOffset after)
    {
        if (!enabled || schedule is null || FeedInput.ParseSchedule(schedule) is not { } cron)
            return null;
        return cron.GetNextOccurrence(after, TimeZoneInfo.Utc)?.ToUnixTimeMilliseconds();
    }

    public static string DedupeKey(long feedId, long dueAt) => $"{FeedPullJob.JobKind}:{feedId}:{dueAt}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await TickAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogTickFailed(logger, e);
            }
            try { await Task.Delay(options.Value.Interval, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>One look at the schedules: enqueues the due pulls and returns how many this call enqueued.</summary>
    public async Task<int> TickAsync(CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        var due = await db.ReadAsync(c => FeedStore.DueAsync(c, now.ToUnixTimeMilliseconds(), 500), ct);
        var enqueued = 0;
        foreach (var feed in due)
        {
            var dueAt = feed.NextRunAt!.Value;
            // Missed due times (server down for a day) make one pull, not one per missed time.
            var next = NextRunAt(feed.Schedule, feed.Enabled, now);
            var jobId = await db.WriteAsync(async (c, tx) =>
                await FeedStore.AdvanceScheduleAsync(c, tx, feed.Id, dueAt, next)
                    ? await queue.EnqueueAsync(c, tx, FeedPullJob.Request(feed.OrgId, feed.Id, "schedule", DedupeKey(feed.Id, dueAt)))
                    : null, ct);
            if (jobId is not null)
                enqueued++;
        }
        return enqueued;
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Feed scheduler could not enqueue due pulls")]
    static partial void LogTickFailed(ILogger logger, Exception e);
}
