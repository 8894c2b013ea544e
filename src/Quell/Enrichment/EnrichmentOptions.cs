namespace Quell.Enrichment;

/// <summary>Settings of enrichment (section "Enrichment").</summary>
public sealed class EnrichmentOptions
{
    /// <summary>The largest answer an analyzer reads from a service; a larger one fails the run.</summary>
    public long MaxResponseBytes { get; set; } = 8 << 20;

    /// <summary>The largest service answer kept in a report as <c>full</c>; a larger one is dropped and the report says so.</summary>
    public int MaxFullBytes { get; set; } = 1 << 20;

    /// <summary>Attempts of one run on transient failures (429, 5xx, no answer) before the report fails with the last reason.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Longest an <c>analyze?wait=true</c> request waits before answering 202 with the reports still pending.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often expired reports of values still in open alerts and cases are looked for and their analyzers queued again.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Expired reports one sweep looks at (the rest wait for the next sweep).</summary>
    public int ExpirySweepBatch { get; set; } = 500;
}
