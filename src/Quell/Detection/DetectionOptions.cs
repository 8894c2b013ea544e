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

    /// <summary>Which Sigma rules are enabled and how much correlation state is kept (section <c>Detection:Sigma</c>).</summary>
    public SigmaOptions Sigma { get; set; } = new();

    /// <summary>How often new indicators are looked up in the stored events (retro-hunt).</summary>
    public TimeSpan RetroHuntInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often an indicator found in stored events while not live (expired, suppressed, warninglisted) is checked
    /// again even when nothing in its row changed; a change is noticed at the next <see cref="RetroHuntInterval"/>.
    /// </summary>
    public TimeSpan RetroHuntRecheckInterval { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>Sigma rule selection and correlation limits (<c>Detection:Sigma:*</c>).</summary>
public sealed class SigmaOptions
{
    /// <summary>Only rules of this level or higher (informational, low, medium, high, critical); none: every level.</summary>
    public string? MinLevel { get; set; }

    /// <summary>Only rules with one of these statuses, comma-separated (stable, test, experimental, deprecated, unsupported); none: every status.</summary>
    public string? Status { get; set; }

    /// <summary>Only rules with one of these tags, comma-separated; none: every rule.</summary>
    public string? Tags { get; set; }

    /// <summary>
    /// A YAML file of values for the <c>expand</c> modifier's <c>%placeholder%</c>s (pySigma's <c>vars:</c>); none: rules
    /// using a placeholder are reported as not loaded.
    /// </summary>
    public string? Placeholders { get; set; }

    /// <summary>Correlated events kept in memory per organisation (all open windows together); beyond it the stalest groups are dropped.</summary>
    public int CorrelationMaxEvents { get; set; } = 100_000;

    /// <summary>Characters of each correlated event's raw text kept as evidence.</summary>
    public int CorrelationEvidenceChars { get; set; } = 2048;
}
