using System.Data.Common;
using Dapper;
using Microsoft.AspNetCore.Http;
using Quell.Http;
using Quell.Storage;

namespace Quell.Cases;

/// <summary>
/// Oldest-first keyset paging for what accumulates on a case (timeline, comments, task logs): `limit` (1-500,
/// default 50) and the opaque `cursor` of the previous page's `next`. Automated enrichment can add thousands of
/// timeline entries to one case, so these lists are never returned unbounded.
/// </summary>
public sealed class OldestFirstPage
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    readonly string[] _keyColumns;

    OldestFirstPage(string[] keyColumns, int limit, long[]? after)
    {
        _keyColumns = keyColumns;
        Limit = limit;
        After = after;
    }

    public int Limit { get; }
    public long[]? After { get; }

    /// <summary>Reads limit and cursor; <paramref name="keyColumns"/> is the unique ascending sort key, e.g. ["at", "id"].</summary>
    public static OldestFirstPage Parse(QueryParams q, params string[] keyColumns)
    {
        var limit = q.Int("limit", 1, MaxLimit, DefaultLimit);
        var cursor = q.String("cursor", 200);
        long[]? after = null;
        if (cursor is not null)
        {
            if (Cursor.TryDecode(cursor, keyColumns.Length, out var keys))
                after = keys;
            else
                q.Errors.Add("cursor", "cursor is not valid for this list; start again without it");
        }
        return new OldestFirstPage(keyColumns, limit, after);
    }

    /// <summary>Runs <paramref name="select"/> (which ends in its WHERE clause) for one page.</summary>
    public async Task<(IReadOnlyList<T> Items, string? Next)> RunAsync<T>(DbConnection c, string select, object parameters, Func<T, long[]> keyOf)
    {
        var p = new DynamicParameters(parameters);
        var sql = select;
        if (After is not null)
        {
            var names = Enumerable.Range(0, After.Length).Select(i => "@after" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            // Row-value comparison keeps the key order exact when several entries share a timestamp (SQLite ≥ 3.15, PostgreSQL).
            sql += _keyColumns.Length == 1
                ? $" AND {_keyColumns[0]} > {names[0]}"
                : $" AND ({string.Join(", ", _keyColumns)}) > ({string.Join(", ", names)})";
            for (var i = 0; i < After.Length; i++)
                p.Add("after" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), After[i]);
        }
        sql += $" ORDER BY {string.Join(", ", _keyColumns)} LIMIT @pageLimit";
        p.Add("pageLimit", Limit + 1);
        var rows = (await c.QueryAsync<T>(sql, p)).AsList();
        string? next = null;
        if (rows.Count > Limit)
        {
            rows.RemoveAt(rows.Count - 1);
            next = Cursor.Encode(keyOf(rows[^1]));
        }
        return (rows, next);
    }

    /// <summary>
    /// The whole GET of a paged child list: reads limit and cursor, answers 404 naming <paramref name="parent"/> when
    /// <paramref name="parentExists"/> is false, otherwise one page as {items, next}.
    /// </summary>
    public static async Task<IResult> ListAsync<T>(HttpRequest request, Db db, string[] keyColumns, (string What, long Id) parent,
        Func<DbConnection, Task<bool>> parentExists, string select, object parameters, Func<T, long[]> keyOf, CancellationToken ct)
    {
        var errors = new InputErrors();
        var page = Parse(new QueryParams(request.Query, errors), keyColumns);
        if (errors.Any)
            return Problems.Invalid(errors);
        var result = await db.ReadAsync(async c =>
            await parentExists(c) ? await page.RunAsync(c, select, parameters, keyOf) : ((IReadOnlyList<T> Items, string? Next)?)null, ct);
        return result is { } r ? TypedResults.Ok(new { items = r.Items, next = r.Next }) : Problems.NotFound(parent.What, parent.Id);
    }
}
