using System.Data.Common;
using Dapper;
using Npgsql;
using Quell.Intel.Indicators;

namespace Quell.Intel.Flagging;

/// <summary>A match to record: an observable of a source (with the value it was matched by), an indicator, how.</summary>
public readonly record struct FoundMatch(long ObservableId, string Data, long IndicatorId, string Kind);

/// <summary>Writes and removes the rows of observable_intel_matches.</summary>
public static class IntelMatchWrites
{
    /// <summary>
    /// Records matches of observables of <paramref name="source"/>, each once (repeats are ignored). A row is written only
    /// while its observable still holds the value it was matched by and its indicator still exists in the same
    /// organisation: an observable deleted since (its id possibly given again on SQLite) or an indicator deleted since
    /// leaves nothing behind. Returns the rows written.
    /// </summary>
    public static async Task<int> InsertAsync(DbConnection c, DbTransaction tx, FlagSource source, IReadOnlyCollection<FoundMatch> matches, long now)
    {
        if (matches.Count == 0)
            return 0;
        var rows = IndicatorWrites.RowsJson(w =>
        {
            foreach (var m in matches)
            {
                w.WriteStartObject();
                w.WriteNumber("o", m.ObservableId);
                w.WriteString("d", m.Data);
                w.WriteNumber("i", m.IndicatorId);
                w.WriteString("k", m.Kind);
                w.WriteEndObject();
            }
        });
        var from = c is NpgsqlConnection
            ? "json_to_recordset(@rows::json) AS r(o bigint, d text, i bigint, k text)"
            : "(SELECT value ->> 'o' AS o, value ->> 'd' AS d, value ->> 'i' AS i, value ->> 'k' AS k FROM json_each(@rows)) r";
        // "WHERE true": SQLite needs it to tell the upsert's ON from a join's ON after INSERT ... SELECT.
        return await c.ExecuteAsync($"""
            INSERT INTO observable_intel_matches (org_id, owner_kind, owner_id, observable_id, indicator_id, match_kind, matched_at)
            SELECT o.org_id, @kind, o.{source.OwnerColumn}, o.id, i.id, r.k, @now FROM {from}
            JOIN {source.Table} o ON o.id = r.o AND o.data = r.d
            JOIN indicators i ON i.id = r.i AND i.org_id = o.org_id
            WHERE true
            ON CONFLICT DO NOTHING
            """, new { rows, kind = source.OwnerKind, now }, tx);
    }

    /// <summary>
    /// Removes the flags of case observables being deleted (one, or all of a case merged away) and, on SQLite, moves the
    /// flagger back so that a new observable given a deleted one's id is looked up (<see cref="FlagCursors.RewindAfterDeleteAsync"/>).
    /// Call it in the deleting transaction, after the delete.
    /// </summary>
    public static async Task ForgetCaseObservablesAsync(DbConnection c, DbTransaction tx, long orgId, IReadOnlyCollection<long> observableIds)
    {
        if (observableIds.Count == 0)
            return;
        var p = new DynamicParameters(new { orgId, kind = FlagSource.CaseKind });
        var inIds = IndicatorWrites.InList(c, p, "observable_id", "ids", observableIds);
        await c.ExecuteAsync($"DELETE FROM observable_intel_matches WHERE owner_kind = @kind AND {inIds} AND org_id = @orgId", p, tx);
        await FlagCursors.RewindAfterDeleteAsync(c, tx, FlagSource.Cases.Table, observableIds.Max());
    }
}
