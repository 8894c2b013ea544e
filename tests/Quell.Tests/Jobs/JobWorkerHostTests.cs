using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Jobs;

/// <summary>Handlers of the worker tests. "fail" in a payload makes the first run of that job throw.</summary>
public sealed class EffectHandler : IJobHandler
{
    public const string KindName = "test.effect";
    readonly ConcurrentDictionary<long, int> _runs = new();

    public string Kind => KindName;

    public int Runs(long jobId) => _runs.GetValueOrDefault(jobId);

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        var run = _runs.AddOrUpdate(context.Job.Id, 1, (_, n) => n + 1);
        using var payload = JsonDocument.Parse(context.Job.Payload);
        if (payload.RootElement.TryGetProperty("fail", out var fail) && fail.GetBoolean() && run == 1)
            throw new InvalidOperationException("first run fails on purpose");
        if (payload.RootElement.TryGetProperty("commit", out var commit) && commit.GetBoolean())
            await context.CommitAsync((c, tx) => JobEffects.InsertAsync(c, tx, context.Job.Id, "host"), ct);
    }
}

file static class WorkerServer
{
    public static void AddHandlers(WebApplicationBuilder b)
    {
        b.Services.AddSingleton<EffectHandler>();
        b.Services.AddSingleton<IJobHandler>(sp => sp.GetRequiredService<EffectHandler>());
        b.Services.Configure<JobWorkerOptions>(o => o.PollInterval = TimeSpan.FromMilliseconds(100));
    }
}

public sealed class SqliteWorkerServer : SqliteServer
{
    protected override void Configure(WebApplicationBuilder builder) => WorkerServer.AddHandlers(builder);
}

public sealed class PostgresWorkerServer : PostgresServer
{
    protected override void Configure(WebApplicationBuilder builder) => WorkerServer.AddHandlers(builder);
}

public abstract class JobWorkerHostTests(TestServer server)
{
    JobQueue Queue => server.Services.GetRequiredService<JobQueue>();
    EffectHandler Handler => server.Services.GetRequiredService<EffectHandler>();

    async Task<Job> WaitForAsync(long id, string status)
    {
        // A bound against hanging, not a timing assertion: the worker is woken at once by the enqueue.
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(60);
        while (true)
        {
            var job = (await Queue.GetAsync(id))!;
            if (job.Status == status)
                return job;
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"job {id} is still {job.Status} (last error: {job.LastError}), expected {status}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task An_enqueued_job_is_run_by_the_worker_and_its_effect_committed_once()
    {
        await JobEffects.CreateTableAsync(server.Db);
        var id = (await Queue.EnqueueAsync(new JobRequest(EffectHandler.KindName, "{\"commit\":true}")))!.Value;

        var job = await WaitForAsync(id, JobStatus.Done);

        Assert.Equal(1, job.Attempts);
        Assert.Equal(1, Handler.Runs(id));
        Assert.Equal(["host"], await JobEffects.WorkersAsync(server.Db, id));
    }

    [Fact]
    public async Task A_handler_that_returns_without_committing_completes_its_job()
    {
        var id = (await Queue.EnqueueAsync(new JobRequest(EffectHandler.KindName, "{}")))!.Value;
        var job = await WaitForAsync(id, JobStatus.Done);
        Assert.NotNull(job.CompletedAt);
        Assert.Null(job.LeaseUntil);
    }

    [Fact]
    public async Task A_failing_job_is_dead_lettered_visible_in_the_api_and_runs_again_after_a_retry()
    {
        await JobEffects.CreateTableAsync(server.Db);
        using var client = server.Client();
        var id = (await Queue.EnqueueAsync(new JobRequest(EffectHandler.KindName, "{\"fail\":true,\"commit\":true}", MaxAttempts: 1)))!.Value;

        await WaitForAsync(id, JobStatus.Dead);
        var dead = await client.GetAsync($"/api/v1/jobs/{id}").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("InvalidOperationException: first run fails on purpose", dead.GetProperty("lastError").GetString());
        var listed = await client.GetAsync("/api/v1/jobs?status=dead").ExpectAsync(HttpStatusCode.OK);
        Assert.Contains(listed.EnumerateArray(), j => j.GetProperty("id").GetInt64() == id);
        Assert.Empty(await JobEffects.WorkersAsync(server.Db, id));

        await client.PostAsync($"/api/v1/jobs/{id}/retry", null).ExpectAsync(HttpStatusCode.NoContent);
        await WaitForAsync(id, JobStatus.Done);
        Assert.Equal(2, Handler.Runs(id));
        Assert.Equal(["host"], await JobEffects.WorkersAsync(server.Db, id));
        var conflict = await client.PostAsync($"/api/v1/jobs/{id}/retry", null).ExpectAsync(HttpStatusCode.Conflict);
        Assert.Contains("not dead", conflict.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Jobs_api_rejects_an_unknown_status_filter_and_a_missing_job()
    {
        using var client = server.Client();
        var problem = await client.GetAsync("/api/v1/jobs?status=finished").ExpectAsync(HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("status", out _));
        await client.GetAsync("/api/v1/jobs/987654321").ExpectAsync(HttpStatusCode.NotFound);
    }
}

public sealed class JobWorkerHostTestsOnSqlite(SqliteWorkerServer server) : JobWorkerHostTests(server), IClassFixture<SqliteWorkerServer>;

public sealed class JobWorkerHostTestsOnPostgres(PostgresWorkerServer server) : JobWorkerHostTests(server), IClassFixture<PostgresWorkerServer>;

/// <summary>A handler that signals when it starts and then waits to be released, like a long job.</summary>
public sealed class BlockingHandler(string kind) : IJobHandler
{
    public readonly TaskCompletionSource Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Kind => kind;

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        Started.SetResult();
        await Release.Task;
    }
}

/// <summary>A running job's lease is renewed on the worker's clock, so a long job is never taken over while it runs.</summary>
public abstract class JobLeaseRenewalTests(Dialect dialect)
{
    /// <summary>The store's fake clock, counting the timers the worker sets, so the test moves time only once it waits.</summary>
    sealed class TimerCountingClock(TimeProvider inner) : TimeProvider
    {
        int _timers;
        public int Timers => Volatile.Read(ref _timers);
        public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();
        public override long GetTimestamp() => inner.GetTimestamp();
        public override long TimestampFrequency => inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            Interlocked.Increment(ref _timers);
            return inner.CreateTimer(callback, state, dueTime, period);
        }
    }

    [Fact]
    public async Task A_long_running_job_keeps_its_lease_and_completes_on_its_first_attempt()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var kind = "long." + Guid.NewGuid().ToString("N")[..8];
        var queue = store.Queue();
        var other = store.Queue();
        var handler = new BlockingHandler(kind);
        var clock = new TimerCountingClock(store.Time);
        var options = new JobWorkerOptions { Lease = TimeSpan.FromMinutes(3) };
        var host = new JobWorkerHost(queue, [handler], Options.Create(options), NullLogger<JobWorkerHost>.Instance, clock);
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value;
        var job = (await queue.LeaseAsync([kind], options.Lease))!;

        var run = host.RunJobAsync(job, options, CancellationToken.None);
        await handler.Started.Task;
        // Ten minutes of a three-minute lease, one renewal beat (lease / 3) at a time.
        for (var minute = 1; minute <= 10; minute++)
        {
            // The worker has renewed and is waiting for its next beat: the clock may move.
            await WaitUntilAsync(() => Task.FromResult(clock.Timers == minute), $"renewal timer {minute} set");
            store.Time.Advance(TimeSpan.FromMinutes(1));
            var renewedUntil = (store.Time.GetUtcNow() + options.Lease).ToUnixTimeMilliseconds();
            await WaitUntilAsync(async () => (await queue.GetAsync(id))!.LeaseUntil == renewedUntil, $"lease renewed at minute {minute}");
            Assert.Null(await other.LeaseAsync([kind], options.Lease));
        }
        handler.Release.SetResult();
        await run;

        var done = (await queue.GetAsync(id))!;
        Assert.Equal(JobStatus.Done, done.Status);
        Assert.Equal(1, done.Attempts);
    }

    static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        // A bound against hanging, not a timing assertion.
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"gave up waiting for: {what}");
            await Task.Delay(10);
        }
    }
}

public sealed class JobLeaseRenewalTestsOnSqlite() : JobLeaseRenewalTests(Dialect.Sqlite);

public sealed class JobLeaseRenewalTestsOnPostgres() : JobLeaseRenewalTests(Dialect.Postgres);

/// <summary>A worker must outlive its store: a database that goes away mid-job must not take the server down.</summary>
public sealed class JobWorkerStoreOutageTests
{

    [Fact]
    public async Task A_job_whose_store_disappears_mid_run_ends_without_crashing_the_worker()
    {
        await using var store = await TestStore.CreateAsync(Dialect.Postgres);
        var kind = "outage." + Guid.NewGuid().ToString("N")[..8];
        var queue = store.Queue(TimeProvider.System);
        var handler = new BlockingHandler(kind);
        var options = new JobWorkerOptions { Lease = TimeSpan.FromMinutes(2) };
        var host = new JobWorkerHost(queue, [handler], Options.Create(options), NullLogger<JobWorkerHost>.Instance, TimeProvider.System);
        await queue.EnqueueAsync(new JobRequest(kind, "{}"));
        var job = (await queue.LeaseAsync([kind], options.Lease))!;

        var run = host.RunJobAsync(job, options, CancellationToken.None);
        await handler.Started.Task;
        await TestPostgres.DropDatabaseAsync(store.PostgresConnectionString!);
        handler.Release.SetResult();

        // Completing and then recording the failure both fail; the worker logs and goes on to its next lease.
        await run;
    }
}
