using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Quell.Intel.Feeds.Fetching;
using Quell.Jobs;
using Quell.Storage;

namespace Quell.Intel.Feeds;

/// <summary>
/// One pull of one feed, as a durable job: fetch, read with the format's <see cref="IFeedReader"/>, import, and record
/// health and history. A pull that fails (unreachable, malformed, refused) is a result, not a job failure: the feed is
/// marked failed with the error, every indicator it had is kept, and the next scheduled pull tries again. Only store
/// errors fail the job (retried with backoff); a server stopped mid-pull leaves the lease to expire and the job runs
/// again on another worker.
/// </summary>
public sealed class FeedPullJob(Db db, FeedFetchers fetchers, FeedSecrets secrets, IEnumerable<IFeedReader> readers, IIndicatorImport import, TimeProvider time)
    : IJobHandler
{
    public const string JobKind = "intel.feed-pull";

    readonly Dictionary<string, IFeedReader> _readers = readers.GroupBy(r => r.Format, StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public string Kind => JobKind;

    public static JobRequest Request(long orgId, long feedId, string trigger, string? dedupeKey = null) =>
        new(JobKind, JsonSerializer.Serialize(new Payload(feedId, trigger)), orgId, MaxAttempts: 3, DedupeKey: dedupeKey);

    sealed record Payload(long FeedId, string Trigger);

    long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    public bool HasReader(string format) => _readers.ContainsKey(format);

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var job = context.Job;
        var payload = JsonSerializer.Deserialize<Payload>(job.Payload, JsonSerializerOptions.Web)!;
        var orgId = job.OrgId ?? 0;
        var feed = await db.ReadAsync(c => FeedStore.GetAsync(c, orgId, payload.FeedId), ct);
        if (feed is null)
            return; // deleted since the pull was asked for
        var pullId = await db.WriteAsync(async (c, tx) =>
        {
            // An earlier attempt of this job that never ended was cut off (server stopped): say so in the history.
            await c.ExecuteInterruptedAsync(tx, job.Id, Now);
            return await FeedStore.StartPullAsync(c, tx, feed, job.Id, payload.Trigger, Now);
        }, ct);

        PullResult result;
        try
        {
            result = await PullAsync(feed, ct);
        }
        catch (FeedFormatException e)
        {
            result = PullResult.Failed(e.Message);
        }
        catch (Exception e) when (e is not (OperationCanceledException or DbException or LeaseLostException) || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            // A reader's bug or an unexpected answer: the feed shows it instead of a dead job nobody looks at.
            result = PullResult.Failed($"{e.GetType().Name}: {IndicatorNormalizer.Printable(e.Message)}");
        }
        await context.CommitAsync((c, tx) => FeedStore.FinishPullAsync(c, tx, feed.Id, pullId, result, Now), ct);
    }

    async Task<PullResult> PullAsync(FeedRow feed, CancellationToken ct)
    {
        if (!_readers.TryGetValue(feed.Format, out var reader))
            throw new FeedFormatException($"this Quell server cannot read the {feed.Format} format yet; the feed was kept and will be pulled once it can");
        var options = FeedSecrets.ReadPlain(feed.OptionsJson);
        foreach (var (k, v) in secrets.Unprotect(feed.SecretsProtected))
            options[k] = v;
        var since = feed.LastSuccessAt is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : (DateTimeOffset?)null;
        var request = new FeedRequest(feed.Url, options, since);
        var fetcher = fetchers.Create(feed);
        var http = fetcher as HttpFeedFetcher;
        var snapshot = FeedFormats.IsSnapshot(feed.Format);

        await using var entries = reader.ReadAsync(request, fetcher, ct).GetAsyncEnumerator(ct);
        // The first step fetches the main document: a 304 means nothing changed, and the (empty) stream must not
        // reach a snapshot import, which would read it as "the source lists nothing any more".
        var hasFirst = await entries.MoveNextAsync();
        if (http?.MainNotModified == true)
            return new PullResult(PullOutcome.NotModified);
        var result = await import.ImportAsync(feed.OrgId, IndicatorSource.Feed(feed.Id, feed.Name), Guarded(entries, hasFirst, snapshot, ct),
            new ImportOptions(snapshot, feed.WarninglistPolicy, feed.Tlp, JsonSerializer.Deserialize<string[]>(feed.TagsJson)), ct);
        return new PullResult(PullOutcome.Ok, result.Added, result.Updated, result.Removed, result.Dropped, result.Rejected,
            ETag: http?.ETag, LastModified: http?.LastModified)
        { ItemErrors = result.Errors };
    }

    /// <summary>
    /// The reader's entries, with one check at the end of a snapshot: a list of which not one line could be read (an
    /// HTML error page, a wrong format) or that is empty is a broken source, not "remove everything". Throwing before
    /// the stream ends stops the import before it removes anything.
    /// </summary>
    static async IAsyncEnumerable<FeedEntry> Guarded(IAsyncEnumerator<FeedEntry> entries, bool hasFirst, bool snapshot, [EnumeratorCancellation] CancellationToken ct)
    {
        int indicators = 0, errors = 0;
        FeedItemError? firstError = null;
        for (var has = hasFirst; has; has = await entries.MoveNextAsync())
        {
            ct.ThrowIfCancellationRequested();
            var entry = entries.Current;
            if (entry.Indicator is not null)
                indicators++;
            else
            {
                errors++;
                firstError ??= entry.Error;
            }
            yield return entry;
        }
        if (snapshot && indicators == 0)
            throw new FeedFormatException(firstError is null
                ? "the feed is empty; its indicators were kept (an empty list is taken as a broken source, not as 'remove everything')"
                : $"no item of the feed could be read ({errors} errors; first: {firstError.Where}: {firstError.Message}); its indicators were kept");
    }
}

static class FeedPullHistory
{
    /// <summary>Marks pulls of <paramref name="jobId"/> still "running" as interrupted (their attempt was cut off).</summary>
    public static Task ExecuteInterruptedAsync(this DbConnection c, DbTransaction tx, long jobId, long now) =>
        Dapper.SqlMapper.ExecuteAsync(c, """
            UPDATE feed_pulls SET outcome = 'failed', ended_at = @now, error = 'the server stopped during this pull; it was run again'
            WHERE job_id = @jobId AND outcome = 'running'
            """, new { jobId, now }, tx);
}
