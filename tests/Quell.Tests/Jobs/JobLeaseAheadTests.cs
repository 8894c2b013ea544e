using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Jobs;

/// <summary>Runs every job at once, except those whose payload says "block": they wait until released.</summary>
public sealed class SelectiveBlockingHandler(string kind) : IJobHandler
{
    public readonly TaskCompletionSource Blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    public string Kind => kind;

    public async Task RunAsync(JobContext context, CancellationToken ct)
    {
        using var payload = JsonDocument.Parse(context.Job.Payload);
        if (!payload.RootElement.TryGetProperty("block", out _))
            return;
        Blocked.TrySetResult();
        await Release.Task;
    }
}

/// <summary>
/// Workers lease their pool's next jobs while they run one (decision 156): in one statement, for the pool rather than
/// for the worker, and given back at shutdown.
/// </summary>
public abstract class JobLeaseAheadTests(Dialect dialect)
{
    static string NewKind() => "ahead." + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Several_jobs_are_leased_in_one_statement_earliest_first_and_a_released_one_keeps_its_attempts()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var kind = NewKind();
        var queue = store.Queue();
        var ids = new List<long>();
        for (var i = 0; i < 5; i++)
            ids.Add((await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value);

        var leased = await queue.LeaseAsync([kind], TimeSpan.FromMinutes(2), 3);
        Assert.Equal(ids.Take(3), leased.Select(j => j.Id));
        Assert.All(leased, j => Assert.Equal(1, j.Attempts));
        var rest = await store.Queue().LeaseAsync([kind], TimeSpan.FromMinutes(2), 10);
        Assert.Equal(ids.Skip(3), rest.Select(j => j.Id));

        await queue.ReleaseAsync(leased[0]);
        var released = (await queue.GetAsync(leased[0].Id))!;
        Assert.Equal((JobStatus.Pending, 0, null), (released.Status, released.Attempts, released.LeaseToken));
        Assert.Equal(leased[0].Id, (await store.Queue().LeaseAsync([kind], TimeSpan.FromMinutes(2)))!.Id);
        // The lease is no longer this worker's: giving it back again changes nothing.
        await queue.ReleaseAsync(leased[0]);
        Assert.Equal(JobStatus.Running, (await queue.GetAsync(leased[0].Id))!.Status);
    }

    [Fact]
    public async Task A_job_leased_ahead_runs_on_a_free_worker_and_does_not_wait_behind_a_long_one()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var kind = NewKind();
        var queue = store.Queue(TimeProvider.System);
        var handler = new SelectiveBlockingHandler(kind);
        var host = Host(queue, handler, workers: 2);
        var slow = (await queue.EnqueueAsync(new JobRequest(kind, """{"block":true}""")))!.Value;
        var quick = new List<long>();
        for (var i = 0; i < 4; i++)
            quick.Add((await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value);

        await host.StartAsync(CancellationToken.None);
        await handler.Blocked.Task;
        foreach (var id in quick)
            await WaitForStatusAsync(queue, id, JobStatus.Done);
        Assert.Equal(JobStatus.Running, (await queue.GetAsync(slow))!.Status);

        handler.Release.SetResult();
        await WaitForStatusAsync(queue, slow, JobStatus.Done);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task At_shutdown_a_job_leased_ahead_and_never_started_goes_back_to_the_queue()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        var kind = NewKind();
        var queue = store.Queue(TimeProvider.System);
        var handler = new SelectiveBlockingHandler(kind);
        var host = Host(queue, handler, workers: 1);
        var slow = (await queue.EnqueueAsync(new JobRequest(kind, """{"block":true}""")))!.Value;
        var next = (await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value;

        await host.StartAsync(CancellationToken.None);
        await handler.Blocked.Task;
        // The only worker is busy: the next job is leased ahead and waits for it.
        await WaitForStatusAsync(queue, next, JobStatus.Running);

        var stopping = host.StopAsync(CancellationToken.None);
        handler.Release.SetResult();
        await stopping;

        Assert.Equal(JobStatus.Done, (await queue.GetAsync(slow))!.Status);
        var givenBack = (await queue.GetAsync(next))!;
        Assert.Equal((JobStatus.Pending, 0, null), (givenBack.Status, givenBack.Attempts, givenBack.LeaseToken));
    }

    static JobWorkerHost Host(JobQueue queue, IJobHandler handler, int workers) =>
        new(queue, [handler], Options.Create(new JobWorkerOptions { Concurrency = workers, PollInterval = TimeSpan.FromMilliseconds(100) }),
            NullLogger<JobWorkerHost>.Instance, TimeProvider.System);

    static async Task WaitForStatusAsync(JobQueue queue, long id, string status)
    {
        // A bound against hanging, not a timing assertion.
        var deadline = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(60);
        while ((await queue.GetAsync(id))!.Status != status)
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, $"job {id} never became {status}");
            await Task.Delay(20);
        }
    }
}

public sealed class JobLeaseAheadTestsOnSqlite() : JobLeaseAheadTests(Dialect.Sqlite);

public sealed class JobLeaseAheadTestsOnPostgres() : JobLeaseAheadTests(Dialect.Postgres);
