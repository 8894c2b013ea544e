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
    /// <paramref name="rows"/> were created by one committed transaction, in id order. Called once per batch, in commit
    /// order, right after the commit and before the import's next batch; cheap (the rows are queued, not indexed yet),
    /// so that a catch-up from now on indexes them from here instead of reading them back (decision 222).
    /// </summary>
    void Committed(long orgId, IReadOnlyList<StoredIndicator> rows);

    /// <summary>Indexes the rows <see cref="Committed"/> queued that no catch-up has indexed yet; must not throw for a row it cannot index.</summary>
    Task IndexCommittedAsync(CancellationToken ct);
}
