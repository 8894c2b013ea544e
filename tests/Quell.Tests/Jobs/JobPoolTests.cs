using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Jobs;

/// <summary>A kind with a pool of its own runs that many at once, and a full pool does not hold up the other kinds.</summary>
public sealed class JobPoolTests
{
    sealed class Waiting(string kind, int? concurrency) : IJobHandler
    {
        int _running;
        public int MostAtOnce;
        public readonly TaskCompletionSource Release = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int Done;

        public string Kind => kind;
        public int? Concurrency => concurrency;

        public async Task RunAsync(JobContext context, CancellationToken ct)
        {
            var now = Interlocked.Increment(ref _running);
            InterlockedMax(ref MostAtOnce, now);
            await Release.Task.WaitAsync(ct);
            Interlocked.Decrement(ref _running);
            Interlocked.Increment(ref Done);
        }

        static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }
    }

    static Task Until(Func<bool> condition, string what) => Eventually.UntilAsync<bool>(() => Task.FromResult<bool?>(condition() ? true : null), what);

    [Fact]
    public async Task A_pooled_kind_runs_its_pool_size_at_once_and_the_shared_pool_keeps_running_others()
    {
        await using var store = await TestStore.CreateAsync(Dialect.Sqlite);
        var queue = new JobQueue(store.Db, TimeProvider.System);
        var slow = new Waiting("test.slow", 6);
        var other = new Waiting("test.other", null);
        other.Release.SetResult();
        var host = new JobWorkerHost(queue, [slow, other],
            Options.Create(new JobWorkerOptions { Concurrency = 2, PollInterval = TimeSpan.FromMilliseconds(50) }), NullLogger<JobWorkerHost>.Instance, TimeProvider.System);
        for (var i = 0; i < 10; i++)
            await queue.EnqueueAsync(new JobRequest("test.slow", "{}", null, 1));
        await host.StartAsync(CancellationToken.None);
        try
        {
            await Until(() => Volatile.Read(ref slow.MostAtOnce) == 6, "six slow jobs running at once");
            // Six slow jobs hold their whole pool; the other kind still runs on the shared workers.
            for (var i = 0; i < 3; i++)
                await queue.EnqueueAsync(new JobRequest("test.other", "{}", null, 1));
            await Until(() => Volatile.Read(ref other.Done) == 3, "the other kind done beside them");
            Assert.Equal(0, Volatile.Read(ref slow.Done));
            slow.Release.SetResult();
            await Until(() => Volatile.Read(ref slow.Done) == 10, "all slow jobs done");
            Assert.Equal(6, slow.MostAtOnce);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
