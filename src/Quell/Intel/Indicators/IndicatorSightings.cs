using System.Data.Common;
using Dapper;
using Quell.Intel.Decay;

namespace Quell.Intel.Indicators;

/// <summary>Records sightings (from analysts through the API, from detections through the matcher) and keeps the suppressed flag current.</summary>
public static class IndicatorSightings
{
    public const int MaxNoteLength = 1024;

    /// <summary>
    /// Adds a sighting to an indicator of <paramref name="orgId"/> and updates its suppressed flag (the rule is
    /// <see cref="DecayScoring"/>'s). Returns the sighting id, or null when the indicator does not exist there.
    /// </summary>
    public static async Task<long?> AddAsync(DbConnection c, DbTransaction tx, long orgId, long indicatorId, string type, string source, long at, string? note)
    {
        if (!SightingTypes.All.Contains(type))
            throw new ArgumentException($"'{type}' is not a sighting type", nameof(type));
        var exists = await c.ExecuteScalarAsync<long?>("SELECT id FROM indicators WHERE org_id = @orgId AND id = @indicatorId", new { orgId, indicatorId }, tx);
        if (exists is null)
            return null;
        var id = await c.ExecuteScalarAsync<long>(
            "INSERT INTO indicator_sightings (indicator_id, org_id, type, source, at, note) VALUES (@indicatorId, @orgId, @type, @source, @at, @note) RETURNING id",
            new { indicatorId, orgId, type, source, at, note }, tx);
        await UpdateSuppressedAsync(c, tx, indicatorId, at);
        return id;
    }

    /// <summary>
    /// <see cref="AddAsync"/> for several sightings of one indicator (one per note, all of one type and source), in
    /// multi-row inserts and with one update of the suppressed flag. Returns how many were added, or null when the
    /// indicator does not exist in <paramref name="orgId"/>.
    /// </summary>
    public static async Task<int?> AddManyAsync(DbConnection c, DbTransaction tx, long orgId, long indicatorId, string type, string source, long at, IReadOnlyList<string?> notes)
    {
        if (!SightingTypes.All.Contains(type))
            throw new ArgumentException($"'{type}' is not a sighting type", nameof(type));
        if (notes.Count == 0)
            return 0;
        var exists = await c.ExecuteScalarAsync<long?>("SELECT id FROM indicators WHERE org_id = @orgId AND id = @indicatorId", new { orgId, indicatorId }, tx);
        if (exists is null)
            return null;
        foreach (var chunk in notes.Chunk(200))
        {
            var p = new DynamicParameters(new { indicatorId, orgId, type, source, at });
            for (var i = 0; i < chunk.Length; i++)
                p.Add("n" + i, chunk[i]);
            await c.ExecuteAsync(
                $"INSERT INTO indicator_sightings (indicator_id, org_id, type, source, at, note) VALUES {string.Join(", ", chunk.Select((_, i) => $"(@indicatorId, @orgId, @type, @source, @at, @n{i})"))}",
                p, tx);
        }
        await UpdateSuppressedAsync(c, tx, indicatorId, at);
        return notes.Count;
    }

    /// <summary>
    /// Withdraws sightings of <paramref name="orgId"/> (an analyst's decision was taken back): they stop counting for the
    /// indicator's score and suppression but stay as rows, marked, for the record. Returns how many were withdrawn.
    /// </summary>
    public static async Task<int> WithdrawAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyCollection<long> sightingIds, long at)
    {
        var withdrawn = 0;
        foreach (var indicatorId in await c.QueryAsync<long>($"""
            SELECT DISTINCT indicator_id FROM indicator_sightings WHERE org_id = @orgId AND {Storage.Db.In(c, "id", "@sightingIds")} AND withdrawn_at IS NULL
            """, new { orgId, sightingIds = sightingIds.ToArray() }, tx))
        {
            withdrawn += await c.ExecuteAsync($"""
                UPDATE indicator_sightings SET withdrawn_at = @at
                WHERE org_id = @orgId AND indicator_id = @indicatorId AND {Storage.Db.In(c, "id", "@sightingIds")} AND withdrawn_at IS NULL
                """, new { at, orgId, indicatorId, sightingIds = sightingIds.ToArray() }, tx);
            await UpdateSuppressedAsync(c, tx, indicatorId, at);
        }
        return withdrawn;
    }

    static async Task UpdateSuppressedAsync(DbConnection c, DbTransaction tx, long indicatorId, long at)
    {
        var summary = (await IndicatorReads.SightingSummariesAsync(c, [indicatorId], tx)).GetValueOrDefault(indicatorId) ?? SightingSummary.None;
        var suppressed = summary.FalsePositive - summary.TruePositive >= DecayScoring.SuppressAfterFalsePositives;
        await c.ExecuteAsync("UPDATE indicators SET suppressed = @suppressed, updated_at = @at WHERE id = @indicatorId", new { suppressed, at, indicatorId }, tx);
    }
}
