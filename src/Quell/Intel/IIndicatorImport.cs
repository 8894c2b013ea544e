using Quell.Intel.Feeds;

namespace Quell.Intel;

/// <summary>
/// Writes reported indicators into the store: one indicator per (organisation, type, normalized value), one link per
/// source that reported it. Implemented by the indicator store; used by feed pulls, bulk imports and the API.
/// </summary>
public interface IIndicatorImport
{
    /// <summary>
    /// Upserts <paramref name="entries"/> for <paramref name="source"/> in batches. Parser errors in the stream and
    /// records the store refuses (unknown type, invalid value) are counted and returned, never abort the import.
    /// With <see cref="ImportOptions.FullSnapshot"/>, indicators this source reported before but not now lose the
    /// source's link (counted as removed); the indicator itself stays while another source or a sighting holds it.
    /// </summary>
    Task<ImportResult> ImportAsync(long orgId, IndicatorSource source, IAsyncEnumerable<FeedEntry> entries, ImportOptions options, CancellationToken ct);
}

/// <summary>Who reported: a feed (by id), an analyst or API client, a bulk import. <see cref="Name"/> is shown on the indicator.</summary>
public sealed record IndicatorSource(string Kind, string Name, long? FeedId = null)
{
    public static IndicatorSource Feed(long id, string name) => new("feed", name, id);
}

/// <summary>
/// <see cref="FullSnapshot"/>: the entries are everything the source lists now (a CSV or freetext list), not a delta.
/// <see cref="WarninglistPolicy"/>: "flag" stores hits marked, "drop" skips values on a warninglist (per feed).
/// </summary>
public sealed record ImportOptions(bool FullSnapshot = false, string WarninglistPolicy = "flag", string? DefaultTlp = null, IReadOnlyList<string>? ExtraTags = null);

/// <summary>What an import did. <see cref="Errors"/> holds at most the first 100 item errors; <see cref="Rejected"/> counts all.</summary>
public sealed record ImportResult(int Added, int Updated, int Removed, int Dropped, int Rejected, IReadOnlyList<FeedItemError> Errors);
