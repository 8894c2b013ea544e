using Quell.Jobs;
using Quell.Storage;

// Usage: Quell.JobProbe <data-dir> <postgres-connection-string | -> <kind> <lease-seconds>
// Leases one job of <kind> from the store, prints "leased <id> <attempt>" and hangs as a worker that is killed
// mid-run would: the job tests kill this process and check that another worker takes the job over.
if (args.Length != 4 || !int.TryParse(args[3], out var leaseSeconds))
{
    await Console.Error.WriteLineAsync("usage: Quell.JobProbe <data-dir> <postgres-connection-string | -> <kind> <lease-seconds>");
    return 2;
}

await using var db = Db.Create(new StoreOptions { DataDirectory = args[0], Database = args[1] == "-" ? null : args[1] });
var queue = new JobQueue(db, TimeProvider.System);
var job = await queue.LeaseAsync([args[2]], TimeSpan.FromSeconds(leaseSeconds));
if (job is null)
{
    Console.WriteLine("no job");
    return 1;
}
Console.WriteLine($"leased {job.Id} {job.Attempts}");

// A probe left behind by an aborted test run ends by itself.
await Task.Delay(TimeSpan.FromMinutes(5));
return 3;
