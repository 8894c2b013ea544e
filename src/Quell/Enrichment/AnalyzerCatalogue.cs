using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>
/// Every analyzer name the API knows: the implemented ones (registered <see cref="IAnalyzer"/>s) and the rest of the
/// contract's names, which can be configured ahead of time and say on GET that they do not run yet.
/// </summary>
public sealed class AnalyzerCatalogue
{
    static readonly TimeSpan Day = TimeSpan.FromDays(1);
    static readonly ConfigItem ApiKey = new("key", "API key", Secret: true, Required: true);

    /// <summary>Contract names not implemented yet (issue 6): configurable, never run.</summary>
    static readonly AnalyzerDefinition[] Planned =
    [
        new("vmray", "VMRay sandbox (submit file or URL, verdict, IOCs)", ["file", "url", "hash"], [ApiKey], null, Tlp.Amber, Tlp.Amber, RateLimit.None, Day, TimeSpan.FromMinutes(1), Implemented: false),
        new("cape", "CAPE sandbox (tasks/create, report, IOCs)", ["file", "url"], [new("token", "API token", Secret: true)], null, Tlp.Amber, Tlp.Amber, RateLimit.None, Day, TimeSpan.FromMinutes(1), Implemented: false),
    ];

    readonly Dictionary<string, (AnalyzerDefinition Definition, IAnalyzer? Analyzer)> _byName;

    public AnalyzerCatalogue(IEnumerable<IAnalyzer> analyzers)
    {
        _byName = new(StringComparer.Ordinal);
        foreach (var d in Planned)
            _byName[d.Name] = (d, null);
        foreach (var a in analyzers)
            _byName[a.Definition.Name] = (a.Definition, a);
    }

    public static RateLimit Limit(string text) => RateLimit.Parse(text, out var error) ?? throw new ArgumentException(error, nameof(text));

    public IEnumerable<AnalyzerDefinition> All => _byName.Values.Select(v => v.Definition).OrderBy(d => d.Name, StringComparer.Ordinal);

    public AnalyzerDefinition? Definition(string name) => _byName.TryGetValue(name, out var v) ? v.Definition : null;

    public IAnalyzer? Analyzer(string name) => _byName.TryGetValue(name, out var v) ? v.Analyzer : null;
}
