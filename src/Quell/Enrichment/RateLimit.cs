using System.Globalization;

namespace Quell.Enrichment;

/// <summary>One rule of a rate limit: at most <see cref="Count"/> calls per <see cref="Per"/>.</summary>
public sealed record RateRule(int Count, TimeSpan Per)
{
    public override string ToString() => $"{Count}/{Unit(Per)}";

    static string Unit(TimeSpan t) =>
        t == TimeSpan.FromSeconds(1) ? "s" : t == TimeSpan.FromMinutes(1) ? "min" : t == TimeSpan.FromHours(1) ? "hour" : "day";
}

/// <summary>
/// A service's rate limit as rules that all hold, written "4/min, 500/day" (units s, min, hour, day). Empty: no limit.
/// Calls are counted per organisation and analyzer in the store (<c>analyzer_calls</c>), so every node shares one window.
/// </summary>
public sealed record RateLimit(IReadOnlyList<RateRule> Rules)
{
    public static readonly RateLimit None = new([]);

    /// <summary>The longest window among the rules: calls older than this no longer matter.</summary>
    public TimeSpan Longest => Rules.Count == 0 ? TimeSpan.Zero : Rules.Max(r => r.Per);

    public override string ToString() => string.Join(", ", Rules);

    /// <summary>Parses "4/min, 500/day"; null with <paramref name="error"/> saying what is wrong.</summary>
    public static RateLimit? Parse(string text, out string? error)
    {
        error = null;
        var rules = new List<RateRule>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var slash = part.IndexOf('/');
            var per = slash < 0 ? null : part[(slash + 1)..].Trim().ToLowerInvariant() switch
            {
                "s" or "sec" or "second" => TimeSpan.FromSeconds(1),
                "m" or "min" or "minute" => TimeSpan.FromMinutes(1),
                "h" or "hour" => TimeSpan.FromHours(1),
                "d" or "day" => TimeSpan.FromDays(1),
                _ => (TimeSpan?)null,
            };
            if (slash < 0 || per is null || !int.TryParse(part[..slash].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
            {
                error = $"'{(part.Length <= 32 ? part : part[..32] + "…")}' is not a rule like 4/min (units: s, min, hour, day; count at least 1)";
                return null;
            }
            rules.Add(new RateRule(count, per.Value));
        }
        return new RateLimit(rules);
    }
}
