using System.Data.Common;
using Dapper;

namespace Quell.Storage;

/// <summary>
/// The SQL for "has a child row with this value" filters (an alert's observable or tag, a case's) on a list sorted
/// by time and cut into keyset pages. The right plan depends on how many rows hold the value, which neither planner
/// knows for a bound value: scanning the list in sort order and probing the child index per row finds 50 matches at
/// once for a common value but reads the whole organisation for a rare one (1.5 s for a rare observable among a
/// million alerts on SQLite, 250 ms on PostgreSQL); starting from the child rows is the opposite. So we first look at
/// up to <see cref="ManyLimit"/> child rows on the covering (org_id, value, owner) index, well under a millisecond, and
/// pick the plan from what we found. The result set and its order are the same whichever plan runs.
/// </summary>
public static class SetFilter
{
    /// <summary>
    /// Below this many rows SQLite looks the owners up by id and sorts them. The limits are where the measured plans cost
    /// the same for an organisation of a million alerts on the 2-core benchmark machine (docs/benchmarks.md).
    /// </summary>
    public const int FewLimit = 1500;

    /// <summary>From this many rows on, the value is common enough that scanning in sort order and probing is cheapest.</summary>
    public const int ManyLimit = 15000;

    /// <summary>
    /// The WHERE clause (starting with " AND") restricting <paramref name="ownerAlias"/> (alias of a table whose key is
    /// <c>id</c>) to the owners of a <paramref name="table"/> row of organisation @org whose <paramref name="column"/> is
    /// the value of parameter <paramref name="valueParameter"/> (one of its values when <paramref name="many"/>: an
    /// observable searched in each of its normalized forms). May add parameters to <paramref name="p"/>.
    /// </summary>
    public static Task<string> ClauseAsync(DbConnection c, Db db, DynamicParameters p, string ownerAlias, string table, string ownerColumn,
        string column, string valueParameter, bool many = false)
    {
        var match = many ? db.In($"s.{column}", "@" + valueParameter) : $"s.{column} = @{valueParameter}";
        return OwnersClauseAsync(c, db, p, ownerAlias, $"SELECT s.{ownerColumn} FROM {table} s WHERE s.org_id = @org AND {match}", ownerColumn,
            valueParameter + "_owners");
    }

    /// <summary>
    /// The same for any set of owners: <paramref name="owners"/> selects <c>s.<paramref name="ownerColumn"/></c> from a
    /// table aliased <c>s</c> and ends with its WHERE clause (so that a condition can be appended); it is read on an index
    /// that starts with the organisation. <paramref name="name"/> names the parameter added on PostgreSQL.
    /// </summary>
    public static async Task<string> OwnersClauseAsync(DbConnection c, Db db, DynamicParameters p, string ownerAlias, string owners, string ownerColumn, string name)
    {
        var exists = $" AND EXISTS ({owners} AND s.{ownerColumn} = {ownerAlias}.id)";
        if (db.IsPostgres)
        {
            // PostgreSQL takes a literal id array well: it either probes the primary key and sorts, or scans in
            // order checking a hashed array, both cheap; with the subquery it guesses a uniform spread and probes.
            // One array value instead of up to 15,000 rows: reading them row by row cost more than the query itself.
            var ids = await c.ExecuteScalarAsync<long[]?>($"SELECT array_agg(x.{ownerColumn}) FROM ({owners} LIMIT {ManyLimit}) x", p) ?? [];
            if (ids.Length >= ManyLimit)
                return exists;
            p.Add(name, ids);
            return $" AND {ownerAlias}.id = ANY(@{name})";
        }
        var count = await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM ({owners} LIMIT {ManyLimit}) x", p);
        if (count < FewLimit)
            return $" AND {ownerAlias}.id IN ({owners})";
        // The unary + keeps SQLite from looking owners up by id: it scans in sort order and checks each id against the
        // set it built once from the subquery, which beats both other plans for values of middling frequency.
        return count < ManyLimit ? $" AND +{ownerAlias}.id IN ({owners})" : exists;
    }
}
