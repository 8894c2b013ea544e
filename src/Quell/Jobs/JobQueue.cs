using System.Data.Common;
using Dapper;
using Quell.Storage;

namespace Quell.Jobs;

/// <summary>
/// The jobs table. Leasing is one atomic UPDATE: on PostgreSQL with FOR UPDATE SKIP LOCKED so many workers on many
/// nodes never block on or take the same row; on SQLite the single writer makes the same statement atomic.
/// Completion checks the lease token, so a worker that lost its lease (paused, presumed dead) cannot complete a job
/// that another worker has already taken over: a job completes exactly once.
/// </summary>
public sealed class JobQueue(Db db, TimeProvider time)
{
    /// <summary>Raised after a job is enqueued in this process, so local workers start at once instead of at the next poll.</summary>
    public event Action<string>? Enqueued;

    long Now => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>Enqueues inside the caller's transaction: the job exists exactly when the change that asked for it does.</summary>
    public async Task<long?> EnqueueAsync(DbConnection c, DbTransaction tx, JobRequest r)
    {
        var now = Now;
        var id = await c.ExecuteScalarAsync<long?>("""
            INSERT INTO jobs (kind, org_id, payload, status, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at)
            VALUES (@Kind, @OrgId, @Payload, 'pending', 0, @MaxAttempts, @runAfter, @DedupeKey, @now, @now)
            ON CONFLICT (dedupe_key) DO NOTHING
            RETURNING id
            """, new { r.Kind, r.OrgId, r.Payload, r.MaxAttempts, runAfter = now + (long)(r.Delay?.TotalMilliseconds ?? 0), r.DedupeKey, now }, tx);
        Enqueued?.Invoke(r.Kind);
        return id;
    }

    /// <summary>
    /// <see cref="EnqueueAsync(DbConnection, DbTransaction, JobRequest)"/> for many jobs in one statement per chunk;
    /// returns the ids of those added by their dedupe key (every request needs one, so RETURNING rows can be told apart).
    /// </summary>
    public async Task<Dictionary<string, long>> EnqueueManyAsync(DbConnection c, DbTransaction tx, IReadOnlyList<JobRequest> requests)
    {
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var now = Now;
        foreach (var chunk in requests.Chunk(200))
        {
            var p = new DynamicParameters(new { now });
            var values = new System.Text.StringBuilder();
            for (var i = 0; i < chunk.Length; i++)
            {
                var r = chunk[i];
                if (r.DedupeKey is null)
                    throw new ArgumentException("every job enqueued together needs a dedupe key", nameof(requests));
                values.Append(i == 0 ? "" : ",").Append(System.Globalization.CultureInfo.InvariantCulture,
                    $"(@k{i}, @o{i}, @p{i}, 'pending', 0, @m{i}, @ra{i}, @d{i}, @now, @now)");
                p.Add($"k{i}", r.Kind);
                p.Add($"o{i}", r.OrgId, System.Data.DbType.Int64);
                p.Add($"p{i}", r.Payload);
                p.Add($"m{i}", r.MaxAttempts);
                p.Add($"ra{i}", now + (long)(r.Delay?.TotalMilliseconds ?? 0));
                p.Add($"d{i}", r.DedupeKey);
            }
            foreach (var (id, key) in await c.QueryAsync<(long, string)>($"""
                INSERT INTO jobs (kind, org_id, payload, status, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at)
                VALUES {values}
                ON CONFLICT (dedupe_key) DO NOTHING
                RETURNING id, dedupe_key
                """, p, tx))
                ids[key] = id;
        }
        foreach (var kind in requests.Select(r => r.Kind).Distinct())
            Enqueued?.Invoke(kind);
        return ids;
    }

    public Task<long?> EnqueueAsync(JobRequest r, CancellationToken ct = default) =>
        db.WriteAsync((c, tx) => EnqueueAsync(c, tx, r), ct);

    /// <summary>Takes the next due job of one of <paramref name="kinds"/> (or a running one whose lease expired).</summary>
    public async Task<Job?> LeaseAsync(IReadOnlyCollection<string> kinds, TimeSpan lease, CancellationToken ct = default) =>
        (await LeaseAsync(kinds, lease, 1, ct)).FirstOrDefault();

    /// <summary>Takes up to <paramref name="count"/> due jobs in one statement, earliest due first.</summary>
    public Task<IReadOnlyList<Job>> LeaseAsync(IReadOnlyCollection<string> kinds, TimeSpan lease, int count, CancellationToken ct = default) =>
        db.WriteAsync<IReadOnlyList<Job>>(async (c, tx) =>
        {
            var now = Now;
            var lockClause = db.IsPostgres ? "FOR UPDATE SKIP LOCKED" : "";
            var jobs = (await c.QueryAsync<Job>($"""
                UPDATE jobs SET status = 'running', lease_token = @token, lease_until = @until, attempts = attempts + 1, updated_at = @now
                WHERE id IN (
                  SELECT id FROM jobs
                  WHERE {db.In("kind", "@kinds")} AND attempts < max_attempts
                    AND ((status = 'pending' AND run_after <= @now) OR (status = 'running' AND lease_until < @now))
                  ORDER BY run_after, id
                  LIMIT @count {lockClause})
                RETURNING {Job.Columns}
                """, new { token = Guid.NewGuid().ToString("N"), until = now + (long)lease.TotalMilliseconds, now, kinds = kinds.ToArray(), count }, tx)).AsList();
            // RETURNING gives no order; the earliest due runs first.
            jobs.Sort((a, b) => a.RunAfter != b.RunAfter ? a.RunAfter.CompareTo(b.RunAfter) : a.Id.CompareTo(b.Id));
            return jobs;
        }, ct);

    /// <summary>
    /// Gives a leased job back untouched (its attempt not counted), for a worker that leased it ahead and stops before
    /// running it. Does nothing when the lease is no longer this worker's.
    /// </summary>
    public Task ReleaseAsync(Job job, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync("""
            UPDATE jobs SET status = 'pending', lease_token = NULL, lease_until = NULL, attempts = attempts - 1, updated_at = @now
            WHERE id = @Id AND lease_token = @LeaseToken AND status = 'running'
            """, new { now = Now, job.Id, job.LeaseToken }, tx), ct);

    /// <summary>Keeps a long job's lease alive. False when another worker has taken it over.</summary>
    public Task<bool> ExtendLeaseAsync(Job job, TimeSpan lease, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var until = Now + (long)lease.TotalMilliseconds;
            var n = await c.ExecuteAsync("UPDATE jobs SET lease_until = @until WHERE id = @Id AND lease_token = @LeaseToken AND status = 'running'",
                new { until, job.Id, job.LeaseToken }, tx);
            if (n == 1)
                job.LeaseUntil = until;
            return n == 1;
        }, ct);

    /// <summary>
    /// Marks the job done and applies <paramref name="effects"/> in the same transaction, only if this worker still
    /// holds the lease. Throws <see cref="LeaseLostException"/> otherwise, and nothing is written.
    /// </summary>
    public Task CompleteAsync(Job job, Func<DbConnection, DbTransaction, Task>? effects = null, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = Now;
            var n = await c.ExecuteAsync("""
                UPDATE jobs SET status = 'done', completed_at = @now, updated_at = @now, lease_until = NULL, last_error = NULL
                WHERE id = @Id AND lease_token = @LeaseToken AND status = 'running'
                """, new { now, job.Id, job.LeaseToken }, tx);
            if (n != 1)
                throw new LeaseLostException(job.Id);
            if (effects is not null)
                await effects(c, tx);
        }, ct);

    /// <summary>
    /// Records a failure: retried after an exponential backoff, or dead-lettered after its last attempt. Returns true
    /// when the job was dead-lettered. Does nothing when this worker no longer holds the job: it was taken over, or the
    /// handler threw after <see cref="CompleteAsync"/> had already committed it (a done job must never run again).
    /// </summary>
    public Task<bool> FailAsync(Job job, string error, CancellationToken ct = default) =>
        FailAsync(job, error, null, true, ct);

    /// <summary>
    /// <see cref="FailAsync(Job, string, CancellationToken)"/> with the delay the handler asked for instead of the
    /// backoff (a service's Retry-After); an attempt that does not count is given back and never dead-letters the job.
    /// </summary>
    public Task<bool> FailAsync(Job job, string error, TimeSpan? delay, bool countsAsAttempt, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) =>
        {
            var now = Now;
            var dead = countsAsAttempt && job.Attempts >= job.MaxAttempts;
            var wait = delay ?? (countsAsAttempt ? Backoff(job.Attempts) : TimeSpan.Zero);
            var runAfter = now + (long)wait.TotalMilliseconds;
            var n = await c.ExecuteAsync("""
                UPDATE jobs SET status = @status, run_after = @runAfter, lease_token = NULL, lease_until = NULL, last_error = @error, updated_at = @now,
                  attempts = attempts - @giveBack
                WHERE id = @Id AND lease_token = @LeaseToken AND status = 'running'
                """, new { status = dead ? JobStatus.Dead : JobStatus.Pending, runAfter, error = Truncate(error), now, giveBack = countsAsAttempt ? 0 : 1, job.Id, job.LeaseToken }, tx);
            return dead && n == 1;
        }, ct);

    /// <summary>Dead-letters running jobs whose lease expired on their last attempt (their worker died each time).</summary>
    public Task<int> SweepAbandonedAsync(CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync("""
            UPDATE jobs SET status = 'dead', last_error = COALESCE(last_error, 'worker stopped before finishing on every attempt'), lease_token = NULL, updated_at = @now
            WHERE status = 'running' AND lease_until < @now AND attempts >= max_attempts
            """, new { now = Now }, tx), ct);

    /// <summary>Puts a dead job back in the queue with a fresh set of attempts.</summary>
    public Task<bool> RetryAsync(long id, CancellationToken ct = default) =>
        db.WriteAsync(async (c, tx) => await c.ExecuteAsync(
            "UPDATE jobs SET status = 'pending', attempts = 0, run_after = @now, updated_at = @now WHERE id = @id AND status = 'dead'",
            new { id, now = Now }, tx) == 1, ct);

    public Task<Job?> GetAsync(long id, CancellationToken ct = default) =>
        db.ReadAsync(async c => await c.QuerySingleOrDefaultAsync<Job>($"SELECT {Job.Columns} FROM jobs WHERE id = @id", new { id }), ct);

    public Task<IReadOnlyList<Job>> ListAsync(string? status, int limit, CancellationToken ct = default) =>
        db.ReadAsync<IReadOnlyList<Job>>(async c => (await c.QueryAsync<Job>(
            $"SELECT {Job.Columns} FROM jobs WHERE (@status IS NULL OR status = @status) ORDER BY id DESC LIMIT @limit",
            new { status, limit })).AsList(), ct);

    public static TimeSpan Backoff(int attempts) =>
        TimeSpan.FromSeconds(Math.Min(3600, 5 * Math.Pow(2, Math.Max(0, attempts - 1))));

    static string Truncate(string s) => s.Length <= 4000 ? s : s[..4000];
}
