using System.Data.Common;
using Dapper;

namespace Quell.Intel.Flagging;

/// <summary>
/// The flagger's durable positions (intel_flag_cursors): per source table, the id up to which every row has been looked
/// up, and a generation. Every write is a compare-and-set on both, so a position moved meanwhile (by another node, or
/// by <see cref="RewindAfterDeleteAsync"/>) is never overwritten: the flagger starts again from the stored one.
/// </summary>
public static class FlagCursors
{
    public const string AlertObservables = "alert_observables";
    public const string CaseObservables = "case_observables";
    public const string Indicators = "indicators";

    public readonly record struct Position(long LastId, long Generation);

    public static async Task<Position> ReadAsync(DbConnection c, string name, DbTransaction? tx = null) =>
        await c.QuerySingleOrDefaultAsync<(long, long)?>("SELECT last_id, generation FROM intel_flag_cursors WHERE name = @name", new { name }, tx)
            is { } p ? new Position(p.Item1, p.Item2) : new Position(0, 0);

    /// <summary>Moves the position from <paramref name="expected"/> to <paramref name="lastId"/>; false when it was moved meanwhile.</summary>
    public static async Task<bool> MoveAsync(DbConnection c, DbTransaction tx, string name, Position expected, long lastId, long now)
    {
        if (await c.ExecuteAsync("""
                UPDATE intel_flag_cursors SET last_id = @lastId, updated_at = @now
                WHERE name = @name AND last_id = @old AND generation = @generation
                """, new { lastId, now, name, old = expected.LastId, generation = expected.Generation }, tx) == 1)
            return true;
        // The first move of a fresh store creates the row; a concurrent creator wins and this one starts again.
        return expected is { LastId: 0, Generation: 0 } && await c.ExecuteAsync("""
            INSERT INTO intel_flag_cursors (name, last_id, generation, updated_at) VALUES (@name, @lastId, 0, @now) ON CONFLICT (name) DO NOTHING
            """, new { name, lastId, now }, tx) == 1;
    }

    /// <summary>
    /// After rows up to id <paramref name="deletedMax"/> were deleted from <paramref name="table"/> (in this transaction):
    /// SQLite gives the next row the id after the highest one left, which may be an id the flagger has already read (or
    /// is reading right now). When the highest id went, the position goes back to the highest one left and the
    /// generation goes up, so the flagger's next write fails its compare-and-set and it reads again from there.
    /// PostgreSQL never gives an id twice.
    /// </summary>
    public static async Task RewindAfterDeleteAsync(DbConnection c, DbTransaction tx, string table, long deletedMax)
    {
        if (c is Npgsql.NpgsqlConnection)
            return;
        await c.ExecuteAsync($"""
            INSERT INTO intel_flag_cursors (name, last_id, generation, updated_at)
            SELECT @table, 0, 1, 0 WHERE @deletedMax > (SELECT COALESCE(MAX(id), 0) FROM {table})
            ON CONFLICT (name) DO UPDATE SET generation = intel_flag_cursors.generation + 1,
              last_id = MIN(intel_flag_cursors.last_id, (SELECT COALESCE(MAX(id), 0) FROM {table}))
            """, new { table, deletedMax }, tx);
    }
}
