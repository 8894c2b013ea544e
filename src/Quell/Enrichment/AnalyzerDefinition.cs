using System.Text.Json.Serialization;
using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>A configuration item an analyzer reads (Cortex's configurationItems): secret ones are encrypted at rest and never shown.</summary>
public sealed record ConfigItem(string Name, string Description, bool Secret = false, bool Required = false)
{
    /// <summary>When set, the item must be a whole number from <see cref="Min"/> to <see cref="Max"/> (checked when the settings are saved).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Min { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Max { get; init; }

    /// <summary>string, number or boolean (Cortex's item types); a built-in item with <see cref="Min"/> is a number.</summary>
    public string Type { get; init; } = "string";

    /// <summary>Several values: a JSON array or comma-separated text (Cortex's <c>multi</c>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Multi { get; init; }

    /// <summary>What an unset item stands for (Cortex's <c>defaultValue</c>, as text).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Default { get; init; }

    /// <summary>The item's type as a form shows it: number when it has bounds.</summary>
    [JsonIgnore]
    public string FormType => Min is not null ? "number" : Type;
}

/// <summary>
/// What an analyzer declares: the observable types it accepts, its configuration items, the service's base URL (an admin
/// may point it at a mirror or a test server), the most sensitive TLP and PAP it may be sent, the service's rate limit,
/// how long a report is reused, and how long one call may take. <see cref="Polling"/> is set for analyzers that submit
/// and poll (sandboxes).
/// </summary>
public sealed record AnalyzerDefinition(
    string Name,
    string Description,
    IReadOnlyList<string> DataTypes,
    IReadOnlyList<ConfigItem> Config,
    string? BaseUrl,
    Tlp MaxTlp,
    Tlp MaxPap,
    RateLimit RateLimit,
    TimeSpan CacheTtl,
    TimeSpan Timeout,
    Polling? Polling = null)
{
    public bool Accepts(string dataType) => DataTypes.Contains(dataType, StringComparer.Ordinal);

    public ConfigItem? Item(string name) => Config.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.Ordinal));
}
