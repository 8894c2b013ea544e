namespace Quell.Intel.Export;

/// <summary>A MISP event to write: who made it, what it is about, its tags, its indicators (as attributes).</summary>
public sealed record ExportEvent
{
    public required Guid Uuid { get; init; }
    public required string Info { get; init; }
    public required DateOnly Date { get; init; }
    public string OrgName { get; init; } = "Quell";
    public Guid OrgUuid { get; init; } = StableUuid.For("org|Quell");
    /// <summary>MISP threat level: 1 high, 2 medium, 3 low, 4 undefined.</summary>
    public int ThreatLevel { get; init; } = 4;
    /// <summary>MISP analysis: 0 initial, 1 ongoing, 2 completed.</summary>
    public int Analysis { get; init; } = 2;
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required IReadOnlyList<ExportIndicator> Indicators { get; init; }
}
