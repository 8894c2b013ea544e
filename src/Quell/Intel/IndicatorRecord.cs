namespace Quell.Intel;

/// <summary>
/// One indicator as a source reported it, before it is stored: what every feed parser, import and API call produces.
/// <see cref="Value"/> is as the source wrote it; the store normalizes it (<see cref="IndicatorNormalizer"/>).
/// </summary>
public sealed record IndicatorRecord
{
    /// <summary>A MISP attribute type (<see cref="IndicatorTypes"/>).</summary>
    public required string Type { get; init; }
    public required string Value { get; init; }
    /// <summary>
    /// <see cref="Value"/> normalized for <see cref="Type"/>, when the reader computed it already (freetext type
    /// detection: <see cref="TypeDetector.Detect(string, out string?)"/>); the store then does not normalize it again.
    /// Only ever the exact result of <see cref="IndicatorNormalizer.Normalize"/> for this type and value.
    /// </summary>
    internal string? Normalized { get; init; }
    /// <summary>A MISP category; null takes the type's default.</summary>
    public string? Category { get; init; }
    /// <summary>MISP's to_ids (usable for detection); null takes the type's default.</summary>
    public bool? ToIds { get; init; }
    /// <summary>Tags, MISP machine tags included (<c>tlp:amber</c>, <c>misp-galaxy:threat-actor="APT 28"</c>).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];
    public string? Comment { get; init; }
    public DateTimeOffset? FirstSeen { get; init; }
    public DateTimeOffset? LastSeen { get; init; }
    /// <summary>0-100; null when the source does not say.</summary>
    public int? Confidence { get; init; }
    /// <summary>TLP 2.0 name when the source marks it (also read from <c>tlp:</c> tags by the store).</summary>
    public string? Tlp { get; init; }
    /// <summary>The source's own id for the item (MISP attribute uuid, STIX id, phish_id, URLhaus id), for links back.</summary>
    public string? SourceRef { get; init; }
    /// <summary>The event or report the indicator came in (MISP event, STIX report), when there is one.</summary>
    public IndicatorContext? Context { get; init; }
}

/// <summary>Where an indicator was reported: a MISP event (info, tags, galaxies) or a STIX report or bundle.</summary>
public sealed record IndicatorContext
{
    public string? Uuid { get; init; }
    public string? Info { get; init; }
    public DateTimeOffset? Date { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    /// <summary>Galaxy clusters as machine tags (<c>misp-galaxy:threat-actor="Sofacy"</c>).</summary>
    public IReadOnlyList<string> Galaxies { get; init; } = [];
}

/// <summary>An item a parser could not read: where, and why. The rest of the feed is still imported.</summary>
public sealed record FeedItemError(string Where, string Message);
