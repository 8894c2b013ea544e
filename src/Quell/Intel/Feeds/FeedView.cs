using System.Text.Json;

namespace Quell.Intel.Feeds;

/// <summary>A feed as the API shows it: settings (secret options masked) and health.</summary>
public static class FeedView
{
    public static object Of(FeedRow f) => new
    {
        id = f.Id,
        name = f.Name,
        format = f.Format,
        url = f.Url,
        schedule = f.Schedule,
        enabled = f.Enabled,
        warninglistPolicy = f.WarninglistPolicy,
        tlp = f.Tlp,
        tags = JsonSerializer.Deserialize<string[]>(f.TagsJson),
        options = FeedSecrets.ReadPlain(f.OptionsJson),
        health = new
        {
            status = f.Status,
            lastAttemptAt = f.LastAttemptAt,
            lastSuccessAt = f.LastSuccessAt,
            lastError = f.LastError,
            added = f.LastAdded,
            updated = f.LastUpdated,
            removed = f.LastRemoved,
            dropped = f.LastDropped,
            rejected = f.LastRejected,
            itemErrors = f.ItemErrorsJson is null ? (JsonElement?)null : JsonSerializer.Deserialize<JsonElement>(f.ItemErrorsJson),
            nextRunAt = f.NextRunAt,
        },
        createdAt = f.CreatedAt,
        updatedAt = f.UpdatedAt,
    };

    public static object Of(FeedPullRow p) => new
    {
        id = p.Id,
        feedId = p.FeedId,
        jobId = p.JobId,
        trigger = p.Trigger,
        startedAt = p.StartedAt,
        endedAt = p.EndedAt,
        outcome = p.Outcome,
        added = p.Added,
        updated = p.Updated,
        removed = p.Removed,
        dropped = p.Dropped,
        rejected = p.Rejected,
        error = p.Error,
    };

    /// <summary>What the audit log keeps of a feed: its settings, never secret values.</summary>
    public static object Audit(FeedRow f) => new
    {
        f.Name,
        f.Format,
        f.Url,
        f.Schedule,
        f.Enabled,
        f.WarninglistPolicy,
        f.Tlp,
        Tags = f.TagsJson,
        Options = f.OptionsJson,
    };
}
