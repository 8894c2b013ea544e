using Quell.Observables;

namespace Quell.Enrichment;

/// <summary>Every analyzer this server runs: the built-in <see cref="IAnalyzer"/>s and the Cortex analyzers loaded at start.</summary>
public sealed class AnalyzerCatalogue
{
    readonly Dictionary<string, (AnalyzerDefinition Definition, IAnalyzer Analyzer)> _byName;

    public AnalyzerCatalogue(IEnumerable<IAnalyzer> analyzers)
    {
        _byName = new(StringComparer.Ordinal);
        foreach (var a in analyzers)
            _byName[a.Definition.Name] = (a.Definition, a);
    }

    public static RateLimit Limit(string text) => RateLimit.Parse(text, out var error) ?? throw new ArgumentException(error, nameof(text));

    public IEnumerable<AnalyzerDefinition> All => _byName.Values.Select(v => v.Definition).OrderBy(d => d.Name, StringComparer.Ordinal);

    public AnalyzerDefinition? Definition(string name) => _byName.TryGetValue(name, out var v) ? v.Definition : null;

    public IAnalyzer? Analyzer(string name) => _byName.TryGetValue(name, out var v) ? v.Analyzer : null;
}
