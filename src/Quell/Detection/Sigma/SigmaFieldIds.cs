using System.Collections.Concurrent;

namespace Quell.Detection.Sigma;

/// <summary>
/// A small integer per Sigma field name (case-insensitive), given when a rule's field test is compiled, so that a rule
/// set can resolve a test's field through an array (<see cref="SigmaEngine"/>'s per-set slots) instead of hashing the
/// name and its aliases on every evaluation. Process-wide: ids only grow, one per distinct name ever compiled (a few
/// thousand for all of SigmaHQ), so reloading rules reuses them.
/// </summary>
internal static class SigmaFieldIds
{
    static readonly ConcurrentDictionary<string, int> Ids = new(StringComparer.OrdinalIgnoreCase);
    static int _count;

    /// <summary>The id of a field name; the same for every spelling that differs only in case.</summary>
    public static int Of(string name) =>
        Ids.TryGetValue(name, out var id) ? id : Ids.GetOrAdd(name, _ => Interlocked.Increment(ref _count) - 1);
}
