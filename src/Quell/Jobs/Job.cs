namespace Quell.Jobs;

/// <summary>Job states. Stored by name: never rename.</summary>
public static class JobStatus
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Done = "done";
    public const string Dead = "dead";
}

/// <summary>A durable unit of background work: a row that a worker leases, runs and completes.</summary>
public sealed class Job
{
    public const string Columns = "id AS Id, kind AS Kind, org_id AS OrgId, payload AS Payload, status AS Status, attempts AS Attempts, max_attempts AS MaxAttempts, run_after AS RunAfter, lease_token AS LeaseToken, lease_until AS LeaseUntil, last_error AS LastError, dedupe_key AS DedupeKey, created_at AS CreatedAt, updated_at AS UpdatedAt, completed_at AS CompletedAt";

    public long Id { get; set; }
    public string Kind { get; set; } = "";
    public long? OrgId { get; set; }
    public string Payload { get; set; } = "{}";
    public string Status { get; set; } = JobStatus.Pending;
    public int Attempts { get; set; }
    public int MaxAttempts { get; set; }
    public long RunAfter { get; set; }
    public string? LeaseToken { get; set; }
    public long? LeaseUntil { get; set; }
    public string? LastError { get; set; }
    public string? DedupeKey { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
    public long? CompletedAt { get; set; }
}

/// <summary>What to enqueue. A <see cref="DedupeKey"/> makes enqueueing idempotent: a second job with the same key is not added.</summary>
public sealed record JobRequest(string Kind, string Payload, long? OrgId = null, int MaxAttempts = 5, TimeSpan? Delay = null, string? DedupeKey = null);

/// <summary>Raised inside a job when its lease was taken over by another worker: its work must not be committed.</summary>
public sealed class LeaseLostException(long jobId) : Exception($"job {jobId} lost its lease to another worker");

/// <summary>
/// Thrown by a handler to run the job again after <see cref="Delay"/> instead of the queue's backoff: a service's
/// Retry-After, or a rate limit that frees a slot at a known time. With <see cref="CountsAsAttempt"/> false the run
/// is not counted against the job's attempts (waiting for a rate limit is not a failure).
/// </summary>
public sealed class JobRetryException(string message, TimeSpan delay, bool countsAsAttempt = true) : Exception(message)
{
    public TimeSpan Delay => delay;
    public bool CountsAsAttempt => countsAsAttempt;
}
