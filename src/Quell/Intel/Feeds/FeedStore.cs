using System.Data.Common;
using System.Text.Json;
using Dapper;

namespace Quell.Intel.Feeds;

/// <summary>The SQL of <c>feeds</c> and <c>feed_pulls</c>. Every query is scoped by organisation except the scheduler's.</summary>
public static class FeedStore
{
    public static Task<FeedRow?> GetAsync(DbConnection c, long orgId, long id, DbTransaction? tx = null) =>
        c.QuerySingleOrDefaultAsync<FeedRow>($"SELECT {FeedRow.Columns} FROM feeds WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    public static async Task<IReadOnlyList<FeedRow>> ListAsync(DbConnection c, long orgId) =>
        (await c.QueryAsync<FeedRow>($"SELECT {FeedRow.Columns} FROM feeds WHERE org_id = @orgId ORDER BY name", new { orgId })).AsList();

    public static async Task<bool> NameTakenAsync(DbConnection c, DbTransaction tx, long orgId, string name, long exceptId = 0) =>
        await c.ExecuteScalarAsync<long?>("SELECT id FROM feeds WHERE org_id = @orgId AND name = @name AND id <> @exceptId",
            new { orgId, name, exceptId }, tx) is not null;

    public static Task<long> InsertAsync(DbConnection c, DbTransaction tx, FeedRow f) =>
        c.ExecuteScalarAsync<long>("""
            INSERT INTO feeds (org_id, name, format, url, options, secrets, schedule, enabled, warninglist_policy, tlp, tags, status, next_run_at, created_at, updated_at)
            VALUES (@OrgId, @Name, @Format, @Url, @OptionsJson, @SecretsProtected, @Schedule, @Enabled, @WarninglistPolicy, @Tlp, @TagsJson, @Status, @NextRunAt, @CreatedAt, @UpdatedAt)
            RETURNING id
            """, f, tx);

    /// <summary>Writes the settings an admin can change; health columns are written by pulls only.</summary>
    public static Task UpdateSettingsAsync(DbConnection c, DbTransaction tx, FeedRow f) =>
        c.ExecuteAsync("""
            UPDATE feeds SET name = @Name, format = @Format, url = @Url, options = @OptionsJson, secrets = @SecretsProtected, schedule = @Schedule,
              enabled = @Enabled, warninglist_policy = @WarninglistPolicy, tlp = @Tlp, tags = @TagsJson, etag = @ETag, last_modified = @LastModified,
              next_run_at = @NextRunAt, updated_at = @UpdatedAt
            WHERE org_id = @OrgId AND id = @Id
            """, f, tx);

    public static Task<int> DeleteAsync(DbConnection c, DbTransaction tx, long orgId, long id) =>
        c.ExecuteAsync("DELETE FROM feeds WHERE org_id = @orgId AND id = @id", new { orgId, id }, tx);

    /// <summary>Enabled feeds whose schedule is due, across organisations (the scheduler's query).</summary>
    public static async Task<IReadOnlyList<FeedRow>> DueAsync(DbConnection c, long now, int limit) =>
        (await c.QueryAsync<FeedRow>(
            $"SELECT {FeedRow.Columns} FROM feeds WHERE next_run_at IS NOT NULL AND next_run_at <= @now ORDER BY next_run_at LIMIT @limit",
            new { now, limit })).AsList();

    /// <summary>Moves the schedule on, only if no other node did already (compare-and-set on the due time it read).</summary>
    public static async Task<bool> AdvanceScheduleAsync(DbConnection c, DbTransaction tx, long id, long dueAt, long? nextRunAt) =>
        await c.ExecuteAsync("UPDATE feeds SET next_run_at = @nextRunAt WHERE id = @id AND next_run_at = @dueAt",
            new { id, dueAt, nextRunAt }, tx) == 1;

    /// <summary>Records that a pull started (history row) and when the feed was last attempted.</summary>
    public static async Task<long> StartPullAsync(DbConnection c, DbTransaction tx, FeedRow feed, long? jobId, string trigger, long now)
    {
        await c.ExecuteAsync("UPDATE feeds SET last_attempt_at = @now WHERE id = @Id", new { now, feed.Id }, tx);
        return await c.ExecuteScalarAsync<long>("""
            INSERT INTO feed_pulls (feed_id, org_id, job_id, trigger_kind, started_at, outcome)
            VALUES (@feedId, @orgId, @jobId, @trigger, @now, 'running') RETURNING id
            """, new { feedId = feed.Id, orgId = feed.OrgId, jobId, trigger, now }, tx);
    }

    /// <summary>Ends a pull: its history row and the feed's health. A failure keeps the last success and its validators.</summary>
    public static async Task FinishPullAsync(DbConnection c, DbTransaction tx, long feedId, long pullId, PullResult r, long now)
    {
        await c.ExecuteAsync("""
            UPDATE feed_pulls SET ended_at = @now, outcome = @Outcome, added = @Added, updated = @Updated, removed = @Removed,
              dropped = @Dropped, rejected = @Rejected, error = @Error
            WHERE id = @pullId
            """, new { now, r.Outcome, r.Added, r.Updated, r.Removed, r.Dropped, r.Rejected, r.Error, pullId }, tx);
        var itemErrors = r.ItemErrors.Count == 0 ? null : JsonSerializer.Serialize(r.ItemErrors.Take(20).Select(e => new { where = e.Where, message = e.Message }));
        if (r.Outcome == PullOutcome.Failed)
            await c.ExecuteAsync("UPDATE feeds SET status = 'failed', last_error = @Error WHERE id = @feedId", new { r.Error, feedId }, tx);
        else
            await c.ExecuteAsync("""
                UPDATE feeds SET status = 'ok', last_success_at = @now, last_error = NULL, last_added = @Added, last_updated = @Updated,
                  last_removed = @Removed, last_dropped = @Dropped, last_rejected = @Rejected, item_errors = @itemErrors,
                  etag = COALESCE(@ETag, etag), last_modified = COALESCE(@LastModified, last_modified)
                WHERE id = @feedId
                """, new { now, r.Added, r.Updated, r.Removed, r.Dropped, r.Rejected, itemErrors, r.ETag, r.LastModified, feedId }, tx);
    }

    public static async Task<IReadOnlyList<FeedPullRow>> ListPullsAsync(DbConnection c, long orgId, long feedId, long before, int limit) =>
        (await c.QueryAsync<FeedPullRow>(
            $"SELECT {FeedPullRow.Columns} FROM feed_pulls WHERE org_id = @orgId AND feed_id = @feedId AND id < @before ORDER BY id DESC LIMIT @limit",
            new { orgId, feedId, before, limit })).AsList();

    public static Task<FeedPullRow?> GetPullByJobAsync(DbConnection c, long orgId, long jobId) =>
        c.QuerySingleOrDefaultAsync<FeedPullRow>(
            $"SELECT {FeedPullRow.Columns} FROM feed_pulls WHERE org_id = @orgId AND job_id = @jobId ORDER BY id DESC LIMIT 1", new { orgId, jobId });
}

/// <summary>What one pull did, as recorded in history and health.</summary>
public sealed record PullResult(string Outcome, int Added = 0, int Updated = 0, int Removed = 0, int Dropped = 0, int Rejected = 0,
    string? Error = null, string? ETag = null, string? LastModified = null)
{
    public IReadOnlyList<FeedItemError> ItemErrors { get; init; } = [];

    public static PullResult Failed(string error) => new(PullOutcome.Failed, Error: error);
}
