namespace Quell.Detection;

/// <summary>Detection at ingest (configuration section <c>Detection</c>).</summary>
public sealed class DetectionOptions
{
    /// <summary>Hits of one indicator on one asset within this window share one alert (updated as more events arrive).</summary>
    public TimeSpan AlertWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Events kept in an alert's raw payload as evidence (the first ones of the batch that raised or updated it).</summary>
    public int EventsPerAlert { get; set; } = 20;

    /// <summary>A directory of Sigma rules (SigmaHQ layout) matched against every event at ingest; none: no Sigma detection.</summary>
    public string? SigmaRules { get; set; }

    /// <summary>How often new indicators are looked up in the stored events (retro-hunt).</summary>
    public TimeSpan RetroHuntInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often an indicator found in stored events while not live (expired, suppressed, warninglisted) is checked
    /// again even when nothing in its row changed; a change is noticed at the next <see cref="RetroHuntInterval"/>.
    /// </summary>
    public TimeSpan RetroHuntRecheckInterval { get; set; } = TimeSpan.FromHours(1);
}
