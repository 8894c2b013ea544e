namespace Quell.Events;

/// <summary>Settings of the event store and its receivers (configuration section "Events").</summary>
public sealed class EventOptions
{
    /// <summary>Days a source's events are kept when its retention was not set. 90 by default.</summary>
    public int DefaultRetentionDays { get; set; } = 90;

    /// <summary>How often the retention task looks for expired day partitions. Hourly by default.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Largest HEC or ingest request body. 16 MiB by default (below the server's 17 MiB request limit).</summary>
    public int MaxBodyBytes { get; set; } = 16 << 20;

    /// <summary>Most events in one HEC or ingest request.</summary>
    public int MaxEventsPerRequest { get; set; } = 100_000;

    /// <summary>
    /// SQLite: related values a day partition's pending list holds before ingest merges them, sorted, into the
    /// value-ordered index (decision 182). Readers scan the pending list whole, so larger means cheaper ingest and
    /// slower look-ups of recent values. 100,000 (about 6 MB) by default.
    /// </summary>
    public int MaxPendingRelated { get; set; } = 100_000;

    /// <summary>
    /// SQLite: events a day partition's pending time list holds before ingest merges them, sorted, into the time-ordered
    /// index that search walks newest first (decision 220). A search sorts the pending list whole, so larger means
    /// cheaper ingest and slower searches of a day still receiving events. 50,000 (about 1.5 MB) by default.
    /// </summary>
    public int MaxPendingTimes { get; set; } = 50_000;
}
