namespace Quell.Intel.Feeds;

/// <summary>The feed formats of the API contract. Stored by name: never rename.</summary>
public static class FeedFormats
{
    public static readonly IReadOnlyList<string> All =
        ["misp", "misp-instance", "stix", "taxii", "csv", "freetext", "phishtank", "urlhaus", "feodo", "threatfox"];

    /// <summary>
    /// Formats that list everything the source holds now: a pull replaces the feed's previous list (values no longer
    /// listed lose the feed's link). The others send events or objects that add up (MISP, STIX, TAXII, ThreatFox).
    /// </summary>
    public static bool IsSnapshot(string format) => format is "freetext" or "csv" or "phishtank" or "urlhaus" or "feodo";
}

/// <summary>Feed health. Stored by name: never rename.</summary>
public static class FeedStatus
{
    public const string Never = "never";
    public const string Ok = "ok";
    public const string Failed = "failed";
}

/// <summary>How one pull ended. Stored by name: never rename.</summary>
public static class PullOutcome
{
    public const string Running = "running";
    public const string Ok = "ok";
    /// <summary>The source answered 304: nothing changed since the last pull, nothing was imported.</summary>
    public const string NotModified = "not-modified";
    public const string Failed = "failed";
}

/// <summary>A row of <c>feeds</c>. <see cref="SecretsProtected"/> is the Data Protection payload of the secret options.</summary>
public sealed class FeedRow
{
    public const string Columns = """
        id AS Id, org_id AS OrgId, name AS Name, format AS Format, url AS Url, options AS OptionsJson, secrets AS SecretsProtected,
        schedule AS Schedule, enabled AS Enabled, warninglist_policy AS WarninglistPolicy, tlp AS Tlp, tags AS TagsJson,
        etag AS ETag, last_modified AS LastModified, status AS Status, last_attempt_at AS LastAttemptAt, last_success_at AS LastSuccessAt,
        last_error AS LastError, last_added AS LastAdded, last_updated AS LastUpdated, last_removed AS LastRemoved,
        last_dropped AS LastDropped, last_rejected AS LastRejected, item_errors AS ItemErrorsJson, next_run_at AS NextRunAt,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    public long Id { get; set; }
    public long OrgId { get; set; }
    public string Name { get; set; } = "";
    public string Format { get; set; } = "";
    public string Url { get; set; } = "";
    public string OptionsJson { get; set; } = "{}";
    public string? SecretsProtected { get; set; }
    public string? Schedule { get; set; }
    public bool Enabled { get; set; }
    public string WarninglistPolicy { get; set; } = "flag";
    public string? Tlp { get; set; }
    public string TagsJson { get; set; } = "[]";
    public string? ETag { get; set; }
    public string? LastModified { get; set; }
    public string Status { get; set; } = FeedStatus.Never;
    public long? LastAttemptAt { get; set; }
    public long? LastSuccessAt { get; set; }
    public string? LastError { get; set; }
    public int LastAdded { get; set; }
    public int LastUpdated { get; set; }
    public int LastRemoved { get; set; }
    public int LastDropped { get; set; }
    public int LastRejected { get; set; }
    public string? ItemErrorsJson { get; set; }
    public long? NextRunAt { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }
}

/// <summary>A row of <c>feed_pulls</c>: one pull, its outcome and counts.</summary>
public sealed class FeedPullRow
{
    public const string Columns = """
        id AS Id, feed_id AS FeedId, job_id AS JobId, trigger_kind AS Trigger, started_at AS StartedAt, ended_at AS EndedAt, outcome AS Outcome,
        added AS Added, updated AS Updated, removed AS Removed, dropped AS Dropped, rejected AS Rejected, error AS Error
        """;

    public long Id { get; set; }
    public long FeedId { get; set; }
    public long? JobId { get; set; }
    public string Trigger { get; set; } = "";
    public long StartedAt { get; set; }
    public long? EndedAt { get; set; }
    public string Outcome { get; set; } = PullOutcome.Running;
    public int Added { get; set; }
    public int Updated { get; set; }
    public int Removed { get; set; }
    public int Dropped { get; set; }
    public int Rejected { get; set; }
    public string? Error { get; set; }
}
