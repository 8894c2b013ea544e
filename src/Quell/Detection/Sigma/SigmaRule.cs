namespace Quell.Detection.Sigma;

/// <summary>The logsource section of a rule; null means "any".</summary>
public sealed record SigmaLogsource(string? Product, string? Category, string? Service);

/// <summary>A loaded, compiled Sigma detection rule.</summary>
public sealed record SigmaRule(
    string Title,
    string? Id,
    string? Status,
    string? Level,
    string? Description,
    IReadOnlyList<string> Tags,
    SigmaLogsource Logsource,
    IReadOnlyList<string> FalsePositives,
    IReadOnlyList<string> Fields,
    string Condition,
    string Source)
{
    /// <summary>The compiled condition over the rule's named selections (and of the filters applied to it).</summary>
    internal SigmaNode Detection { get; init; } = SigmaNode.False;

    /// <summary>The rule's <c>name</c>, by which correlation rules and filters may refer to it.</summary>
    public string? Name { get; init; }

    /// <summary>Titles of the filters applied to the rule.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    /// <summary>Evaluates the rule's detection (not its logsource) against an event.</summary>
    public bool Matches(ISigmaEvent e) => Detection.Evaluate(e);
}

/// <summary>A rule (or document) that was not loaded, and why.</summary>
public sealed record SigmaLoadProblem(string Source, string? RuleId, string? Title, string Reason)
{
    public override string ToString() => $"{Source}{(Title is null ? "" : $" ({Title})")}: {Reason}";
}

/// <summary>Loaded rules (detection rules, correlation rules, filters) and the problems of those that were not loaded.</summary>
public sealed record SigmaLoadResult(IReadOnlyList<SigmaRule> Rules, IReadOnlyList<SigmaLoadProblem> Problems)
{
    public IReadOnlyList<SigmaCorrelationRule> Correlations { get; init; } = [];

    public IReadOnlyList<SigmaFilterRule> Filters { get; init; } = [];

    /// <summary>Several results as one.</summary>
    public static SigmaLoadResult Combine(IEnumerable<SigmaLoadResult> results)
    {
        var list = results.ToList();
        return new SigmaLoadResult([.. list.SelectMany(r => r.Rules)], [.. list.SelectMany(r => r.Problems)])
        {
            Correlations = [.. list.SelectMany(r => r.Correlations)],
            Filters = [.. list.SelectMany(r => r.Filters)],
        };
    }
}

/// <summary>Thrown while compiling a rule; the reader turns it into a <see cref="SigmaLoadProblem"/>.</summary>
public sealed class SigmaRuleException(string message) : Exception(message);

/// <summary>Settings for reading rules.</summary>
public sealed record SigmaReaderOptions
{
    /// <summary>Values for the <c>expand</c> modifier's <c>%placeholder%</c>s, by placeholder name.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } = new Dictionary<string, IReadOnlyList<string>>();

    /// <summary>Rule files larger than this are refused (a rule is a few KB).</summary>
    public int MaxFileBytes { get; init; } = 1 << 20;

    /// <summary>How deep conditions may nest.</summary>
    public int MaxConditionDepth { get; init; } = 64;
}
