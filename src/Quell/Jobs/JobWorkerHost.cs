using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Quell.Jobs;

public sealed class JobWorkerOptions
{
    /// <summary>Jobs run at once in this process.</summary>
    public int Concurrency { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How long a leased job is reserved before another worker may take it over; renewed while it runs.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often an idle worker looks for due jobs (jobs enqueued in this process wake it at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Set false to run a node that serves the API only.</summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>Runs registered <see cref="IJobHandler"/>s: leases due jobs, keeps leases alive, completes or fails them.</summary>
public sealed partial class JobWorkerHost(JobQueue queue, IEnumerable<IJobHandler> handlers, IOptions<JobWorkerOptions> options, ILogger<JobWorkerHost> logger, TimeProvider time)
    : BackgroundService
{
    readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind, StringComparer.Ordinal);
    /// <summary>Worker pools: the general one for the kinds without a pool of their own, one per kind that has one.</summary>
    sealed record Pool(string[] Kinds, int Size)
    {
        public SemaphoreSlim Wake { get; } = new(0);

        /// <summary>Jobs leased ahead, taken by the pool's next free worker.</summary>
        public ConcurrentQueue<Job> Ready { get; } = new();

        /// <summary>How many jobs the pool keeps leased ahead while it is busy.</summary>
        public int Ahead => Math.Max(1, Size / 4);

        /// <summary>The lease-ahead in flight (one at a time), awaited at shutdown so its jobs can be given back.</summary>
        public Task Refill { get; set; } = Task.CompletedTask;
    }

    readonly Dictionary<string, Pool> _poolOf = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.Enabled || _handlers.Count == 0)
            return;
        var pools = _handlers.Values.Where(h => h.Concurrency is > 0).Select(h => new Pool([h.Kind], h.Concurrency!.Value)).ToList();
        var shared = _handlers.Keys.Except(pools.SelectMany(p => p.Kinds)).ToArray();
        if (shared.Length > 0)
            pools.Add(new Pool(shared, o.Concurrency));
        foreach (var pool in pools)
            foreach (var kind in pool.Kinds)
                _poolOf[kind] = pool;
        queue.Enqueued += Wake;
        try
        {
            var workers = pools.SelectMany(p => Enumerable.Range(0, p.Size).Select(i => RunWorkerAsync(p, i, o, stoppingToken))).ToList();
            workers.Add(SweepLoopAsync(o, stoppingToken));
            await Task.WhenAll(workers);
        }
        finally
        {
            queue.Enqueued -= Wake;
            await GiveBackLeasedAheadAsync(pools);
        }
    }

    /// <summary>At shutdown, jobs leased ahead and never started go back to the queue now, not when their lease expires.</summary>
    async Task GiveBackLeasedAheadAsync(IEnumerable<Pool> pools)
    {
        foreach (var pool in pools)
        {
            await pool.Refill;
            while (pool.Ready.TryDequeue(out var job))
            {
                try
                {
                    await queue.ReleaseAsync(job, CancellationToken.None);
                }
                catch (Exception e)
                {
                    LogLeaseFailed(logger, e);
                }
            }
        }
    }

    /// <summary>
    /// Leases the next jobs while this one runs. A lease is a write that waits its turn at the store (SQLite has one
    /// writer, shared with every commit), and a pool whose jobs mostly wait on services would otherwise sit out that
    /// wait between every two jobs. The jobs go to the pool, not to this worker, so none waits behind a long job
    /// while a sibling is free.
    /// </summary>
    void LeaseAhead(Pool pool, JobWorkerOptions o)
    {
        lock (pool)
        {
            if (pool.Ready.Count >= pool.Ahead || !pool.Refill.IsCompleted)
                return;
            pool.Refill = RefillAsync(pool, o);
        }
    }

    Task RefillAsync(Pool pool, JobWorkerOptions o) =>
        Task.Run(async () =>
        {
            try
            {
                // Not cancellable: jobs leased by a write that ran must reach Ready, where shutdown gives them back.
                foreach (var job in await queue.LeaseAsync(pool.Kinds, o.Lease, pool.Ahead - pool.Ready.Count, CancellationToken.None))
                {
                    pool.Ready.Enqueue(job);
                    if (pool.Wake.CurrentCount < pool.Size)
                        pool.Wake.Release();
                }
            }
            catch (Exception e)
            {
                LogLeaseFailed(logger, e);
            }
        });

    /// <summary>A job leased ahead, else one leased now. A job that waited for a free worker has its lease renewed first.</summary>
    async Task<Job?> NextAsync(Pool pool, JobWorkerOptions o, CancellationToken ct)
    {
        while (pool.Ready.TryDequeue(out var ready))
        {
            var left = (ready.LeaseUntil ?? 0) - time.GetUtcNow().ToUnixTimeMilliseconds();
            if (left > o.Lease.TotalMilliseconds * 2 / 3 || await queue.ExtendLeaseAsync(ready, o.Lease, ct))
                return ready;
        }
        return await queue.LeaseAsync(pool.Kinds, o.Lease, ct);
    }

    void Wake(string kind)
    {
        if (_poolOf.TryGetValue(kind, out var pool) && pool.Wake.CurrentCount < pool.Size)
            pool.Wake.Release();
    }

    async Task RunWorkerAsync(Pool pool, int index, JobWorkerOptions o, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Job? job;
            try
            {
                job = await NextAsync(pool, o, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogLeaseFailed(logger, e);
                await Delay(o.PollInterval * 5, ct);
                continue;
            }
            if (job is null)
            {
                try
                {
                    // Only a pool's first worker looks on every interval; the others sleep until an enqueue or a sibling that
                    // found work wakes them, so an idle pool of 16 costs one query per interval, not 16.
                    await pool.Wake.WaitAsync(index == 0 ? o.PollInterval : o.PollInterval * pool.Size, ct);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                continue;
            }
            // Where one job was due there may be more (enqueued by another node, retries come due): a sibling looks too.
            if (pool.Wake.CurrentCount < pool.Size)
                pool.Wake.Release();
            LeaseAhead(pool, o);
            await RunJobAsync(job, o, ct);
        }
    }

    internal async Task RunJobAsync(Job job, JobWorkerOptions o, CancellationToken ct)
    {
        var handler = _handlers[job.Kind];
        var context = new JobContext(job, queue);
        using var renewCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var renewal = RenewLeaseAsync(job, o.Lease, renewCts.Token);
        try
        {
            await handler.RunAsync(context, ct);
            if (!context.Committed)
                await queue.CompleteAsync(job, null, CancellationToken.None);
            LogCompleted(logger, job.Id, job.Kind, job.Attempts);
        }
        catch (LeaseLostException)
        {
            LogLeaseLost(logger, job.Id, job.Kind);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down: leave the lease to expire so another worker (or this one after restart) takes over.
        }
        catch (Exception e)
        {
            try
            {
                var retry = e as JobRetryException;
                var dead = await queue.FailAsync(job, retry is null ? $"{e.GetType().Name}: {e.Message}" : e.Message, retry?.Delay, retry?.CountsAsAttempt ?? true, CancellationToken.None);
                // Waiting that is not a failure (a rate limit, a sandbox still detonating) is routine, not a warning.
                if (retry is { CountsAsAttempt: false })
                    LogWaiting(logger, job.Id, job.Kind, retry.Message, retry.Delay);
                else
                    LogFailed(logger, e, job.Id, job.Kind, job.Attempts, dead);
            }
            catch (Exception recordError)
            {
                // The store is unreachable: an exception here would end this worker loop and, through the hosted
                // service, stop the whole server. The lease expires instead and the attempt is run again.
                LogFailureNotRecorded(logger, recordError, job.Id, job.Kind, e.Message);
            }
        }
        finally
        {
            await renewCts.CancelAsync();
            try { await renewal; } catch (OperationCanceledException) { }
        }
    }

    async Task RenewLeaseAsync(Job job, TimeSpan lease, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(lease / 3, time, ct);
            try
            {
                if (!await queue.ExtendLeaseAsync(job, lease, ct))
                    return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A store hiccup: try again at the next beat; if the lease runs out meanwhile, the commit is refused.
                LogRenewFailed(logger, e, job.Id);
            }
        }
    }

    async Task SweepLoopAsync(JobWorkerOptions o, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            await Delay(o.Lease, ct);
            try
            {
                await queue.SweepAbandonedAsync(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogLeaseFailed(logger, e);
            }
        }
    }

    async Task Delay(TimeSpan t, CancellationToken ct)
    {
        try { await Task.Delay(t, time, ct); } catch (OperationCanceledException) { }
    }

    [LoggerMessage(EventId = 1201, Level = LogLevel.Debug, Message = "Job {JobId} ({Kind}) completed on attempt {Attempt}")]
    static partial void LogCompleted(ILogger logger, long jobId, string kind, int attempt);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) failed on attempt {Attempt}; dead-lettered: {Dead}")]
    static partial void LogFailed(ILogger logger, Exception e, long jobId, string kind, int attempt, bool dead);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Debug, Message = "Job {JobId} ({Kind}) waits: {Reason}; runs again in {Delay}")]
    static partial void LogWaiting(ILogger logger, long jobId, string kind, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Job {JobId} ({Kind}) lost its lease to another worker; its result was discarded")]
    static partial void LogLeaseLost(ILogger logger, long jobId, string kind);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "Could not lease jobs; retrying")]
    static partial void LogLeaseFailed(ILogger logger, Exception e);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Job {JobId} ({Kind}) failed ({Reason}) and the failure could not be recorded; it runs again when its lease expires")]
    static partial void LogFailureNotRecorded(ILogger logger, Exception e, long jobId, string kind, string reason);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Could not renew the lease of job {JobId}; retrying")]
    static partial void LogRenewFailed(ILogger logger, Exception e, long jobId);
}
