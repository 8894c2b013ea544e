namespace Quell.Intel;

/// <summary>An indicator row an import has just committed: its id, type and normalized value.</summary>
public readonly record struct StoredIndicator(long Id, string Type, string Value);

/// <summary>
/// Told of the indicators an import batch created, after its transaction committed, so that the server's matcher
/// indexes them from the rows the import holds instead of reading a million rows back from the store (decision 208).
/// </summary>
public interface IStoredIndicators
{
    /// <summary>
    /// <paramref name="rows"/> were created by one committed transaction, in id order. Called once per batch, from one
    /// import at a time per batch sequence; must not throw for a row it cannot index.
    /// </summary>
    Task AddedAsync(long orgId, IReadOnlyList<StoredIndicator> rows, CancellationToken ct);
}
