using Quell.Observables;

namespace Quell.Intel.Export;

/// <summary>
/// One indicator as the exporters see it: the stored (normalized) type and value with what the store knows about it.
/// Every writer in this folder is a pure function of a list of these.
/// </summary>
public sealed record ExportIndicator
{
    /// <summary>A MISP attribute type.</summary>
    public required string Type { get; init; }
    /// <summary>The normalized value (<see cref="IndicatorNormalizer"/>).</summary>
    public required string Value { get; init; }
    public string? Category { get; init; }
    public bool ToIds { get; init; } = true;
    public IReadOnlyList<string> Tags { get; init; } = [];
    public Tlp? Tlp { get; init; }
    public string? Comment { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    /// <summary>0-100 (decayed score or confidence); null when unknown.</summary>
    public double? Score { get; init; }
    /// <summary>Names of the sources that reported it.</summary>
    public IReadOnlyList<string> Sources { get; init; } = [];

    /// <summary>The same indicator always gets the same id (UUIDv5 of type and value), so re-exports update rather than duplicate.</summary>
    public Guid Uuid => StableUuid.For(Type + "|" + Value);

    public string CategoryOrDefault => Category ?? (IndicatorTypes.IsKnown(Type) ? IndicatorTypes.DefaultCategory(Type) : "Other");
}

/// <summary>A writer left an indicator out: which, and why (no STIX pattern for its type, not in this blocklist's kind, ...).</summary>
public sealed record ExportSkip(string Type, string Value, string Reason);
