using Quell.Observables;

namespace Quell.Enrichment.Analyzers;

/// <summary>
/// Artifacts gathered from a service's answer, each (type, value) once, normalized as observables are (so they can
/// become observables as they are); values that are not of their type (a sandbox's "ip" that is a hostname) are left out.
/// </summary>
sealed class ArtifactSet
{
    readonly List<Artifact> _items = [];
    readonly HashSet<(string, string)> _seen = [];

    public void Add(string dataType, string? value, string? message)
    {
        if (string.IsNullOrWhiteSpace(value) || ObservableTypes.Normalize(dataType, value, out _) is not { } normalized)
            return;
        if (dataType == "url" && !(Uri.TryCreate(normalized, UriKind.Absolute, out var u) && u.Scheme is "http" or "https"))
            return;
        if (_seen.Add((dataType, normalized)))
            _items.Add(new Artifact(dataType, normalized, message));
    }

    public IReadOnlyList<Artifact> Items => _items;
}
