using System.Globalization;

namespace Quell.Detection.Sigma;

/// <summary>The four correlation types of Sigma specification v2.</summary>
public enum SigmaCorrelationType
{
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
}

/// <summary>A correlation's <c>condition</c>: one or more bounds, all of which must hold (<c>gt: 100, lte: 200</c> is a range).</summary>
public sealed record SigmaCountCondition(long? Gt = null, long? Gte = null, long? Lt = null, long? Lte = null, long? Eq = null)
{
    public bool IsSatisfiedBy(long n) =>
        (Gt is not { } gt || n > gt) && (Gte is not { } gte || n >= gte) && (Lt is not { } lt || n < lt)
        && (Lte is not { } lte || n <= lte) && (Eq is not { } eq || n == eq);

    /// <summary>
    /// Whether more events could turn a satisfied condition false (<c>lt</c>, <c>lte</c>, <c>eq</c>): such a condition is
    /// only known when its window closes; one with lower bounds only holds as soon as it is reached.
    /// </summary>
    public bool HasUpperBound => Lt is not null || Lte is not null || Eq is not null;

    public override string ToString() => string.Join(", ", new (string, long?)[] { ("gt", Gt), ("gte", Gte), ("lt", Lt), ("lte", Lte), ("eq", Eq) }
        .Where(b => b.Item2 is not null).Select(b => $"{b.Item1} {b.Item2!.Value.ToString(CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// A Sigma correlation rule (a <c>correlation:</c> document): it matches when the rules it names (by id or name, base
/// rules or other correlations) matched events that, grouped by <see cref="GroupBy"/> within <see cref="Timespan"/>,
/// satisfy its condition.
/// </summary>
public sealed record SigmaCorrelationRule(
    string Title,
    string? Id,
    string? Name,
    string? Status,
    string? Level,
    string? Description,
    IReadOnlyList<string> Tags,
    SigmaCorrelationType Type,
    IReadOnlyList<string> Rules,
    IReadOnlyList<string> GroupBy,
    TimeSpan Timespan,
    SigmaCountCondition Condition,
    string? ValueField,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Aliases,
    bool Generate,
    string Source)
{
    /// <summary>The type as the specification spells it (<c>event_count</c>, ...).</summary>
    public string TypeName => Type switch
    {
        SigmaCorrelationType.EventCount => "event_count",
        SigmaCorrelationType.ValueCount => "value_count",
        SigmaCorrelationType.Temporal => "temporal",
        _ => "temporal_ordered",
    };
}

/// <summary>
/// A Sigma filter (a <c>filter:</c> document, specification v2): events its condition matches are removed from the
/// matches of the rules it names, or of every rule of its log source when it names none.
/// </summary>
public sealed record SigmaFilterRule(string Title, string? Id, SigmaLogsource Logsource, IReadOnlyList<string> Rules, string Condition, string Source)
{
    internal SigmaNode Detection { get; init; } = SigmaNode.False;
}
