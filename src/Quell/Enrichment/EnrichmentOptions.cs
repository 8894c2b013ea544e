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

    /// <summary>
    /// Analyzer runs at once per node, in a job pool of their own. Runs wait on services (a VirusTotal answer takes
    /// hundreds of milliseconds), so throughput is this many divided by the services' latency, within their rate limits.
    /// </summary>
    public int Concurrency { get; set; } = 16;

    /// <summary>Longest an <c>analyze?wait=true</c> request waits before answering 202 with the reports still pending.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often expired reports of values still in open alerts and cases are looked for and their analyzers queued again.</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Expired reports one sweep looks at (the rest wait for the next sweep).</summary>
    public int ExpirySweepBatch { get; set; } = 500;

    /// <summary>What analyzers that fetch URLs from data may reach (<see cref="SsrfGuard"/>).</summary>
    public SsrfOptions Ssrf { get; set; } = new();

    /// <summary>MaxMind DB files the geoip analyzer reads (the server's, not an organisation's choice).</summary>
    public GeoIpOptions GeoIp { get; set; } = new();
}

/// <summary>Section <c>Enrichment:GeoIp</c>.</summary>
public sealed class GeoIpOptions
{
    /// <summary>Paths of .mmdb files (GeoLite2/GeoIP2 City or Country, ASN); every one is asked.</summary>
    public List<string> Databases { get; set; } = [];
}
