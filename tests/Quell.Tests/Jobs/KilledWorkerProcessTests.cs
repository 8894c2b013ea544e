using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Time.Testing;
using Quell.Jobs;
using Quell.Storage;
using Quell.Tests.Support;

namespace Quell.Tests.Jobs;

/// <summary>
/// The takeover with a real process: Quell.JobProbe leases a job and hangs, the test kills it with Process.Kill, and a
/// worker in this process completes the job once the probe's lease has expired (on a clock moved past the lease,
/// so the test does not wait for it).
/// </summary>
public abstract class KilledWorkerProcessTests(Dialect dialect)
{
    const int ProbeLeaseSeconds = 600;
    static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task A_job_leased_by_a_worker_process_that_is_killed_is_completed_once_by_another_worker_after_the_lease()
    {
        await using var store = await TestStore.CreateAsync(dialect);
        await JobEffects.CreateTableAsync(store.Db);
        var kind = "probe." + Guid.NewGuid().ToString("N")[..8];
        var queue = store.Queue(TimeProvider.System);
        var id = (await queue.EnqueueAsync(new JobRequest(kind, "{}")))!.Value;

        using (var probe = StartProbe(store, kind))
        {
            try
            {
                var line = await probe.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(2));
                Assert.True(line == $"leased {id} 1", $"probe said '{line}'; stderr: {(probe.HasExited ? await probe.StandardError.ReadToEndAsync() : "")}");
                Assert.Null(await queue.LeaseAsync([kind], Lease));
            }
            finally
            {
                probe.Kill(entireProcessTree: true);
                await probe.WaitForExitAsync();
            }
        }

        // The dead worker's lease still holds the job until it expires.
        Assert.Equal(JobStatus.Running, (await queue.GetAsync(id))!.Status);
        Assert.Null(await queue.LeaseAsync([kind], Lease));

        var later = new FakeTimeProvider(TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(ProbeLeaseSeconds + 1));
        var worker2 = store.Queue(later);
        var job = await worker2.LeaseAsync([kind], Lease);
        Assert.NotNull(job);
        Assert.Equal(id, job.Id);
        Assert.Equal(2, job.Attempts);
        await new JobContext(job, worker2).CommitAsync((c, tx) => JobEffects.InsertAsync(c, tx, job.Id, "worker2"));

        Assert.Equal(["worker2"], await JobEffects.WorkersAsync(store.Db, id));
        Assert.Equal(JobStatus.Done, (await queue.GetAsync(id))!.Status);
        Assert.Null(await worker2.LeaseAsync([kind], Lease));
    }

    static Process StartProbe(TestStore store, string kind)
    {
        var probe = typeof(KilledWorkerProcessTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "JobProbe").Value!;
        Assert.True(File.Exists(probe), $"{probe} is missing; build the solution (./test.sh does)");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { probe, store.Directory!, store.PostgresConnectionString ?? "-", kind, ProbeLeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(arg);
        return Process.Start(start)!;
    }
}

public sealed class KilledWorkerProcessTestsOnSqlite() : KilledWorkerProcessTests(Dialect.Sqlite);

public sealed class KilledWorkerProcessTestsOnPostgres() : KilledWorkerProcessTests(Dialect.Postgres);
