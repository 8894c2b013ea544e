namespace Quell.Detection.Sigma;

/// <summary>
/// Which loaded rules are enabled: a minimum level, a set of statuses, a set of tags (any of them; <c>attack.t1059</c>
/// also takes <c>attack.t1059.001</c>). An empty selection enables everything.
/// </summary>
public sealed record SigmaRuleSelection(string? MinLevel = null, IReadOnlyList<string>? Statuses = null, IReadOnlyList<string>? Tags = null)
{
    public static readonly IReadOnlyList<string> Levels = ["informational", "low", "medium", "high", "critical"];
    public static readonly IReadOnlyList<string> KnownStatuses = ["stable", "test", "experimental", "deprecated", "unsupported"];

    public static readonly SigmaRuleSelection All = new();

    /// <summary>A selection from its textual settings (comma-separated lists); the error names the setting and the accepted values.</summary>
    public static SigmaRuleSelection Parse(string? minLevel, string? statuses, string? tags)
    {
        var level = string.IsNullOrWhiteSpace(minLevel) ? null : minLevel.Trim().ToLowerInvariant();
        if (level is not null && !Levels.Contains(level))
            throw new ArgumentException($"unknown minimum level '{minLevel}' (one of {string.Join(", ", Levels)})");
        var statusList = Split(statuses);
        if (statusList?.FirstOrDefault(s => !KnownStatuses.Contains(s)) is { } bad)
            throw new ArgumentException($"unknown rule status '{bad}' (any of {string.Join(", ", KnownStatuses)})");
        return new SigmaRuleSelection(level, statusList, Split(tags));
    }

    static string[]? Split(string? list) =>
        list?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(s => s.ToLowerInvariant()).ToArray() is { Length: > 0 } a ? a : null;

    /// <summary>Why a rule with these attributes is not enabled; null when it is.</summary>
    public string? Refuses(string? status, string? level, IReadOnlyList<string> tags)
    {
        if (MinLevel is not null)
        {
            var rank = level is null ? -1 : IndexOf(Levels, level.ToLowerInvariant());
            if (rank < IndexOf(Levels, MinLevel))
                return level is null ? $"no level (minimum level {MinLevel})" : $"level {level} is below the minimum level {MinLevel}";
        }
        if (Statuses is not null && (status is null || !Statuses.Contains(status.ToLowerInvariant())))
            return status is null ? $"no status (enabled statuses: {string.Join(", ", Statuses)})" : $"status {status} is not enabled ({string.Join(", ", Statuses)})";
        if (Tags is not null && !tags.Any(t => Tags.Any(w => t.Equals(w, StringComparison.OrdinalIgnoreCase)
                || (t.StartsWith(w, StringComparison.OrdinalIgnoreCase) && t.Length > w.Length && t[w.Length] == '.'))))
            return $"none of the tags {string.Join(", ", Tags)}";
        return null;
    }

    static int IndexOf(IReadOnlyList<string> list, string item)
    {
        for (var i = 0; i < list.Count; i++)
            if (list[i] == item)
                return i;
        return -1;
    }

    public override string ToString() => string.Join(", ", new[]
    {
        MinLevel is null ? null : $"level ≥ {MinLevel}",
        Statuses is null ? null : $"status {string.Join("/", Statuses)}",
        Tags is null ? null : $"tag {string.Join("/", Tags)}",
    }.Where(s => s is not null));
}
