using System.Collections.Frozen;
using Quell.Intel.Indicators;

namespace Quell.Intel.Warninglists;

/// <summary>
/// All lists in force, compiled once and immutable: the loaded MISP lists and the built-in <see cref="SanityChecks"/>.
/// <see cref="Check"/> is pure and thread-safe; the lists that apply to each type are resolved when the set is built.
/// </summary>
public sealed class WarninglistSet : IWarninglistLookup
{
    readonly FrozenDictionary<string, CompiledWarninglist[]> _byType;

    WarninglistSet(IReadOnlyList<CompiledWarninglist> lists)
    {
        Lists = lists;
        _byType = IndicatorTypes.All.Distinct(StringComparer.Ordinal)
            .ToFrozenDictionary(t => t, t => lists.Where(l => l.AppliesTo(t)).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>The loaded lists first, then the sanity checks.</summary>
    public IReadOnlyList<CompiledWarninglist> Lists { get; }

    /// <summary>Only the built-in sanity checks: what an install without a warninglists directory has.</summary>
    public static WarninglistSet SanityOnly { get; } = Create([]);

    /// <summary>The set of <paramref name="loaded"/> lists plus the sanity checks (fed with the top-site lists among them).</summary>
    public static WarninglistSet Create(IReadOnlyList<CompiledWarninglist> loaded) =>
        new([.. loaded, .. SanityChecks.Create(loaded)]);

    /// <summary>The names of the lists a value hits: what the indicator store keeps on the indicator at ingestion.</summary>
    public IReadOnlyList<string> Hits(string type, string normalizedValue) =>
        Check(type, normalizedValue) is { Count: > 0 } hits ? hits.Select(h => h.List).Distinct(StringComparer.Ordinal).ToList() : [];

    /// <summary>
    /// The lists <paramref name="normalizedValue"/> (the <see cref="IndicatorNormalizer"/> form) hits, at most one hit
    /// per list. A composite value (<c>ip-dst|port</c>, <c>filename|md5</c>) is checked part by part, each part as
    /// its own type, as MISP does; an unknown type hits nothing.
    /// </summary>
    public IReadOnlyList<WarninglistHit> Check(string type, string normalizedValue)
    {
        if (!_byType.TryGetValue(type, out var lists) || lists.Length == 0)
            return [];
        string[] partTypes, parts;
        if (IndicatorTypes.Parts(type) is { } pt && SplitComposite(pt, normalizedValue) is { } pv)
            (partTypes, parts) = (pt, pv);
        else
            (partTypes, parts) = ([type], [normalizedValue]);
        List<WarninglistHit>? hits = null;
        foreach (var list in lists)
        {
            for (var i = 0; i < parts.Length; i++)
            {
                if (list.Matcher.Match(partTypes[i], parts[i]) is { } m)
                {
                    (hits ??= []).Add(new WarninglistHit(list.List.Name, list.Source, parts[i], m.Entry, m.Reason ?? list.List.Description));
                    break;
                }
            }
        }
        return hits is null ? [] : hits;
    }

    /// <summary>Splits as the normalizer joined: a filename may hold '|', so filename|hash splits at the last bar.</summary>
    static string[]? SplitComposite(string[] partTypes, string value)
    {
        var bar = partTypes[0] == "filename" ? value.LastIndexOf('|') : value.IndexOf('|', StringComparison.Ordinal);
        return bar < 0 ? null : [value[..bar], value[(bar + 1)..]];
    }
}
