using System.Data.Common;
using Dapper;

namespace Quell.Storage;

/// <summary>
/// Picks the plan for "has a child row with this value" filters (observable value, tag) on a list sorted by time.
/// Scanning the list in sort order and probing the child index per row finds 50 matches quickly when the value is
/// common, but reads the whole organisation when it is rare (1.5 s for a rare observable among a million alerts on
/// SQLite). Starting from the child rows is the opposite. Neither planner knows a bound value's frequency, so we count
/// up to <see cref="RareLimit"/> matches on the covering (org_id, value, owner) index first, which costs under a millisecond.
/// </summary>
public static class SetFilter
{
    /// <summary>
    /// Where the two plans cost about the same for an organisation of a million rows: fetching and sorting 5,000 rows
    /// versus scanning about 10,000 in order (51 matches at a density of 0.5%).
    /// </summary>
    public const int RareLimit = 5000;

    /// <summary>True when <paramref name="table"/> has fewer than <see cref="RareLimit"/> rows of the organisation (@org) with the value.</summary>
    public static async Task<bool> IsRareAsync(DbConnection c, string table, string column, DynamicParameters p, string valueParameter) =>
        await c.ExecuteScalarAsync<long>(
            $"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE org_id = @org AND {column} = @{valueParameter} LIMIT {RareLimit}) x", p) < RareLimit;
}
