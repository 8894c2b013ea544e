using Dapper;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Jobs;

/// <summary>The durable job table on its own: leases, takeover, backoff, dead letters, dedupe, transactions.</summary>
public abstract class JobQueueTests(Dialect dialect) : IAsyncLifetime
{
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    protected TestStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Store = await TestStore.CreateAsync(dialect);
        await JobEffects.CreateTableAsync(Store.Db);
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();

    static string NewKind() => "test." + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task A_job_whose_worker_is_killed_mid_run_is_taken_over_after_its_lease_expires_and_completes_exactly_once()
    {
        var kind = NewKind();
        var worker1 = Store.Queue();
        var worker2 = Store.Queue();
        var id = await worker1.EnqueueAsync(new JobRequest(kind, "{}"));

        // Worker 1 leases and starts; its handler blocks like a process that was killed or frozen.
        var leased1 = await worker1.LeaseAsync([kind], Lease);
        Assert.NotNull(leased1);
        var resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var context1 = new JobContext(leased1, worker1);
        var run1 = Task.Run(async () =>
        {
            await resume.Task;
            await context1.CommitAsync((c, tx) => JobEffects.InsertAsync(c, tx, leased1.Id, "worker1"));
        });

        // While the lease holds, nobody else gets the job.
        Assert.Null(await worker2.LeaseAsync([kind], Lease));

        Store.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        var leased2 = await worker2.LeaseAsync([kind], Lease);
        Assert.NotNull(leased2);
        Assert.Equal(id, leased2.Id);
        Assert.Equal(2, leased2.Attempts);
        Assert.NotEqual(leased1.LeaseToken, leased2.LeaseToken);
        var context2 = new JobContext(leased2, worker2);
        await context2.CommitAsync((c, tx) => JobEffects.InsertAsync(c, tx, leased2.Id, "worker2"));
        Assert.True(context2.Committed);

        // Worker 1 wakes up: its commit is refused and its effect is rolled back with it.
        resume.SetResult();
        var lost = await Assert.ThrowsAsync<LeaseLostException>(() => run1);
        Assert.Contains($"job {id}", lost.Message);
        Assert.False(context1.Committed);

        Assert.Equal(["worker2"], await JobEffects.WorkersAsync(Store.Db, id!.Value));
        var job = await worker1.GetAsync(id.Value);
        Assert.Equal(JobStatus.Done, job!.Status);
        Assert.Equal(Store.Time.GetUtcNow().ToUnixTimeMilliseconds(), job.CompletedAt);
    }

    [Fact]
    public async Task A_lease_is_not_taken_over_while_it_is_renewed()
    {
        var kind = NewKind();
        var worker1 = Store.Queue();
        var worker2 = Store.Queue();
        await worker1.EnqueueAsync(new JobRequest(kind, "{}"));
        var leased = await worker1.LeaseAsync([kind], Lease);

        Store.Time.Advance(Lease - TimeSpan.FromSeconds(10));
        Assert.True(await worker1.ExtendLeaseAsync(leased!, Lease));
        Store.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await worker2.LeaseAsync([kind], Lease));

        Store.Time.Advance(Lease);
        var taken = await worker2.LeaseAsync([kind], Lease);
        Assert.NotNull(taken);
        Assert.False(await worker1.ExtendLeaseAsync(leased!, Lease));
    }

    [Fact]
    public async Task Failed_attempts_are_retried_after_exponential_backoff_then_dead_lettered_with_the_last_error()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{\"n\":1}", MaxAttempts: 4)))!.Value;

        var expectedDelays = new[] { 5, 10, 20 };
        for (var attempt = 1; attempt <= 4; attempt++)
        {
            var job = await queue.LeaseAsync([kind], Lease);
            Assert.NotNull(job);
            Assert.Equal(attempt, job.Attempts);
            var dead = await queue.FailAsync(job, $"boom {attempt}");
            var stored = (await queue.GetAsync(id))!;
            Assert.Equal($"boom {attempt}", stored.LastError);
            if (attempt == 4)
            {
                Assert.True(dead);
                Assert.Equal(JobStatus.Dead, stored.Status);
                break;
            }
            Assert.False(dead);
            Assert.Equal(JobStatus.Pending, stored.Status);
            var delay = TimeSpan.FromSeconds(expectedDelays[attempt - 1]);
            Assert.Equal((Store.Time.GetUtcNow() + delay).ToUnixTimeMilliseconds(), stored.RunAfter);

            // Not a moment before its backoff ends.
            Store.Time.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.Null(await queue.LeaseAsync([kind], Lease));
            Store.Time.Advance(TimeSpan.FromMilliseconds(1));
        }

        Store.Time.Advance(TimeSpan.FromDays(1));
        Assert.Null(await queue.LeaseAsync([kind], Lease));
        var deadJob = (await queue.ListAsync(JobStatus.Dead, 100)).Single(j => j.Id == id);
        Assert.Equal(4, deadJob.Attempts);
        Assert.Equal("boom 4", deadJob.LastError);
    }

    [Fact]
    public void Backoff_doubles_from_five_seconds_and_stops_at_one_hour()
    {
        Assert.Equal(TimeSpan.FromSeconds(5), JobQueue.Backoff(1));
        Assert.Equal(TimeSpan.FromSeconds(10), JobQueue.Backoff(2));
        Assert.Equal(TimeSpan.FromSeconds(40), JobQueue.Backoff(4));
        Assert.Equal(TimeSpan.FromHours(1), JobQueue.Backoff(20));
        Assert.Equal(TimeSpan.FromHours(1), JobQueue.Backoff(int.MaxValue));
    }

    [Fact]
    public async Task Retry_puts_a_dead_job_back_with_fresh_attempts_and_refuses_other_jobs()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}", MaxAttempts: 1)))!.Value;
        Assert.False(await queue.RetryAsync(id));
        var job = await queue.LeaseAsync([kind], Lease);
        Assert.False(await queue.RetryAsync(id));
        Assert.True(await queue.FailAsync(job!, "broken"));

        Assert.True(await queue.RetryAsync(id));
        var retried = (await queue.GetAsync(id))!;
        Assert.Equal(JobStatus.Pending, retried.Status);
        Assert.Equal(0, retried.Attempts);
        Assert.Equal("broken", retried.LastError);
        Assert.False(await queue.RetryAsync(id));
        Assert.False(await queue.RetryAsync(id + 1000));

        var again = await queue.LeaseAsync([kind], Lease);
        Assert.Equal(id, again!.Id);
        Assert.Equal(1, again.Attempts);
        await queue.CompleteAsync(again);
        var done = (await queue.GetAsync(id))!;
        Assert.Equal(JobStatus.Done, done.Status);
        Assert.Null(done.LastError);
    }

    [Fact]
    public async Task A_dedupe_key_makes_enqueueing_idempotent()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var key = "dedupe-" + Guid.NewGuid().ToString("N");
        var first = await queue.EnqueueAsync(new JobRequest(kind, "{\"v\":1}", DedupeKey: key));
        var second = await queue.EnqueueAsync(new JobRequest(kind, "{\"v\":2}", DedupeKey: key));
        var other = await queue.EnqueueAsync(new JobRequest(kind, "{\"v\":3}", DedupeKey: key + "-other"));
        var noKey1 = await queue.EnqueueAsync(new JobRequest(kind, "{}"));
        var noKey2 = await queue.EnqueueAsync(new JobRequest(kind, "{}"));

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.NotNull(other);
        Assert.NotEqual(noKey1, noKey2);
        var rows = await Store.Db.ReadAsync(c => c.QueryAsync<(string Payload, string? DedupeKey)>(
            "SELECT payload, dedupe_key FROM jobs WHERE kind = @kind ORDER BY id", new { kind }));
        Assert.Equal(4, rows.Count());
        Assert.Equal("{\"v\":1}", rows.Single(r => r.DedupeKey == key).Payload);
    }

    [Fact]
    public async Task A_job_enqueued_in_a_rolled_back_transaction_does_not_exist()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        long? id = null;
        await Assert.ThrowsAsync<InvalidOperationException>(() => Store.Db.WriteAsync(async (c, tx) =>
        {
            id = await queue.EnqueueAsync(c, tx, new JobRequest(kind, "{}"));
            throw new InvalidOperationException("the change that asked for the job failed");
        }));

        Assert.NotNull(id);
        Assert.Null(await queue.GetAsync(id.Value));
        Assert.Null(await queue.LeaseAsync([kind], Lease));
    }

    [Fact]
    public async Task A_job_enqueued_in_a_committed_transaction_exists_with_the_other_changes()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = await Store.Db.WriteAsync(async (c, tx) =>
        {
            await JobEffects.InsertAsync(c, tx, -1, "same-transaction");
            return await queue.EnqueueAsync(c, tx, new JobRequest(kind, "{}", OrgId: 7));
        });

        var job = await queue.GetAsync(id!.Value);
        Assert.Equal(JobStatus.Pending, job!.Status);
        Assert.Equal(7, job.OrgId);
        Assert.Equal(["same-transaction"], await JobEffects.WorkersAsync(Store.Db, -1));
    }

    [Fact]
    public async Task A_delayed_job_is_not_leased_before_its_delay()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        await queue.EnqueueAsync(new JobRequest(kind, "{}", Delay: TimeSpan.FromMinutes(5)));
        Assert.Null(await queue.LeaseAsync([kind], Lease));
        Store.Time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(await queue.LeaseAsync([kind], Lease));
    }

    [Fact]
    public async Task Leasing_takes_only_the_requested_kinds_oldest_due_first()
    {
        var kind = NewKind();
        var otherKind = NewKind();
        var queue = Store.Queue();
        var other = await queue.EnqueueAsync(new JobRequest(otherKind, "{}"));
        var first = await queue.EnqueueAsync(new JobRequest(kind, "{}"));
        var second = await queue.EnqueueAsync(new JobRequest(kind, "{}"));

        Assert.Equal(first, (await queue.LeaseAsync([kind], Lease))!.Id);
        Assert.Equal(second, (await queue.LeaseAsync([kind, "unused"], Lease))!.Id);
        Assert.Null(await queue.LeaseAsync([kind], Lease));
        Assert.Equal(other, (await queue.LeaseAsync([otherKind], Lease))!.Id);
    }

    [Fact]
    public async Task A_job_whose_worker_died_on_its_last_attempt_is_swept_to_the_dead_letters()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}", MaxAttempts: 1)))!.Value;
        await queue.LeaseAsync([kind], Lease);

        Assert.Equal(0, await queue.SweepAbandonedAsync());
        Store.Time.Advance(Lease + TimeSpan.FromSeconds(1));
        Assert.Null(await queue.LeaseAsync([kind], Lease));
        Assert.Equal(1, await queue.SweepAbandonedAsync());

        var job = (await queue.GetAsync(id))!;
        Assert.Equal(JobStatus.Dead, job.Status);
        Assert.Contains("worker stopped", job.LastError);
        Assert.True(await queue.RetryAsync(id));
    }

    [Fact]
    public async Task A_handler_that_throws_after_committing_does_not_put_its_done_job_back_in_the_queue()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value;
        var job = (await queue.LeaseAsync([kind], Lease))!;
        await new JobContext(job, queue).CommitAsync((c, tx) => JobEffects.InsertAsync(c, tx, id, "worker"));

        // The worker host calls FailAsync for any exception the handler throws, even after its commit.
        await queue.FailAsync(job, "InvalidOperationException: thrown after the commit");

        var stored = (await queue.GetAsync(id))!;
        Assert.Equal(JobStatus.Done, stored.Status);
        Store.Time.Advance(TimeSpan.FromHours(2));
        Assert.Null(await queue.LeaseAsync([kind], Lease));
        Assert.Equal(["worker"], await JobEffects.WorkersAsync(Store.Db, id));
    }

    [Fact]
    public async Task Effects_that_throw_roll_back_the_completion()
    {
        var kind = NewKind();
        var queue = Store.Queue();
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value;
        var job = (await queue.LeaseAsync([kind], Lease))!;
        await Assert.ThrowsAsync<InvalidOperationException>(() => queue.CompleteAsync(job, async (c, tx) =>
        {
            await JobEffects.InsertAsync(c, tx, id, "half");
            throw new InvalidOperationException("effect failed");
        }));

        Assert.Equal(JobStatus.Running, (await queue.GetAsync(id))!.Status);
        Assert.Empty(await JobEffects.WorkersAsync(Store.Db, id));
        await queue.CompleteAsync(job, (c, tx) => JobEffects.InsertAsync(c, tx, id, "whole"));
        Assert.Equal(["whole"], await JobEffects.WorkersAsync(Store.Db, id));
    }

    [Fact]
    public async Task Concurrent_workers_complete_every_job_exactly_once()
    {
        // PostgreSQL: FOR UPDATE SKIP LOCKED lets leasers pass each other; SQLite: one writer at a time.
        var (workers, perWorker) = dialect == Dialect.Postgres ? (8, 200) : (4, 50);
        var kind = NewKind();
        var total = workers * perWorker;
        var queues = Enumerable.Range(0, workers).Select(_ => Store.Queue()).ToList();
        await Store.Db.WriteAsync(async (c, tx) =>
        {
            for (var i = 0; i < total; i++)
                await queues[0].EnqueueAsync(c, tx, new JobRequest(kind, "{}"));
        });

        var done = await Task.WhenAll(queues.Select((queue, w) => Task.Run(async () =>
        {
            var count = 0;
            while (await queue.LeaseAsync([kind], Lease) is { } job)
            {
                await queue.CompleteAsync(job, (c, tx) => JobEffects.InsertAsync(c, tx, job.Id, "w" + w));
                count++;
            }
            return count;
        })));

        Assert.Equal(total, done.Sum());
        var perJob = await Store.Db.ReadAsync(c => c.QueryAsync<(long JobId, long N)>(
            "SELECT e.job_id, COUNT(*) FROM job_effects e JOIN jobs j ON j.id = e.job_id WHERE j.kind = @kind GROUP BY e.job_id", new { kind }));
        Assert.Equal(total, perJob.Count());
        Assert.All(perJob, p => Assert.Equal(1, p.N));
        var states = await Store.Db.ReadAsync(c => c.QueryAsync<(string Status, int Attempts)>(
            "SELECT status, attempts FROM jobs WHERE kind = @kind", new { kind }));
        Assert.All(states, s => Assert.Equal((JobStatus.Done, 1), s));
    }
}

public sealed class JobQueueTestsOnSqlite() : JobQueueTests(Dialect.Sqlite);

public sealed class JobQueueTestsOnPostgres() : JobQueueTests(Dialect.Postgres);
