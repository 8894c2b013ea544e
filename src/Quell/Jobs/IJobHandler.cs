using System.Data.Common;

namespace Quell.Jobs;

/// <summary>Runs one kind of job. Register with <c>services.AddJobHandler&lt;T&gt;()</c>.</summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>
    /// Does the work. Throwing fails the attempt (retried with backoff, then dead-lettered). Database effects that
    /// must happen exactly once go through <see cref="JobContext.CommitAsync"/>, atomically with the completion.
    /// </summary>
    Task RunAsync(JobContext context, CancellationToken ct);

    /// <summary>
    /// Jobs of this kind run in a pool of their own of this many workers per node; null shares the general pool
    /// (<see cref="JobWorkerOptions.Concurrency"/>). For jobs that mostly wait on other services (analyzers), whose
    /// throughput is bounded by how many wait at once rather than by cores, and which must not starve other kinds.
    /// </summary>
    int? Concurrency => null;
}

public sealed class JobContext(Job job, JobQueue queue)
{
    public Job Job => job;
    public bool Committed { get; private set; }

    /// <summary>Applies effects and completes the job in one transaction, if this worker still holds the lease.</summary>
    public async Task CommitAsync(Func<DbConnection, DbTransaction, Task> effects, CancellationToken ct = default)
    {
        await queue.CompleteAsync(job, effects, ct);
        Committed = true;
    }
}
