using System.Data.Common;
using System.Text;
using Dapper;
using Quell.Storage;

namespace Quell.Observables;

/// <summary>Where a set of observables lives: an alert's or a case's.</summary>
public sealed record ObservableOwner(string Table, string OwnerColumn, long OwnerId, long OrgId)
{
    public static ObservableOwner Alert(long alertId, long orgId) => new("alert_observables", "alert_id", alertId, orgId);
    public static ObservableOwner Case(long caseId, long orgId) => new("case_observables", "case_id", caseId, orgId);
}

/// <summary>
/// Observables of alerts and cases, deduplicated by (type, value) per owner. Merging a repeat ORs its ioc/sighted
/// flags and unites its tags instead of adding a second row.
/// </summary>
public static class ObservableStore
{
    public static async Task<IReadOnlyList<Observable>> ListAsync(DbConnection c, ObservableOwner owner, DbTransaction? tx = null) =>
        (await c.QueryAsync<Observable>(
            $"SELECT {Observable.Columns} FROM {owner.Table} WHERE {owner.OwnerColumn} = @id ORDER BY id",
            new { id = owner.OwnerId }, tx)).AsList();

    /// <summary>Adds new observables and merges repeats. Returns the ones added as new rows.</summary>
    public static async Task<IReadOnlyList<ObservableInput>> MergeAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, IReadOnlyCollection<ObservableInput> items, long now)
    {
        if (items.Count == 0)
            return [];
        var existing = (await ListAsync(c, owner, tx)).ToDictionary(o => (o.DataType, o.Data));
        var added = new List<ObservableInput>();
        foreach (var o in items)
        {
            if (existing.TryGetValue((o.DataType, o.Data), out var old))
            {
                var tags = old.Tags.Union(o.Tags, StringComparer.Ordinal).ToArray();
                var ioc = old.Ioc || o.Ioc;
                var sighted = old.Sighted || o.Sighted;
                if (ioc == old.Ioc && sighted == old.Sighted && tags.Length == old.Tags.Length && (o.Message is null || o.Message == old.Message))
                    continue;
                await c.ExecuteAsync($"UPDATE {owner.Table} SET ioc = @ioc, sighted = @sighted, tags = @tags, message = @message WHERE id = @id",
                    new { ioc, sighted, tags = JsonColumns.Of(tags), message = o.Message ?? old.Message, id = old.Id }, tx);
                continue;
            }
            existing[(o.DataType, o.Data)] = new Observable { DataType = o.DataType, Data = o.Data, Ioc = o.Ioc, Sighted = o.Sighted, TagsJson = JsonColumns.Of(o.Tags) };
            added.Add(o);
        }
        await InsertAsync(c, tx, owner, added, now);
        return added;
    }

    // One multi-row INSERT per chunk instead of one statement per observable: on the intake path every statement is
    // compiled afresh (neither SQLite's ADO.NET provider nor Dapper caches them), which cost more than the insert itself.
    // 100 rows of 8–9 parameters: Microsoft.Data.Sqlite finds each parameter by a linear search (decision 84).
    const int RowsPerInsert = 100;

    /// <summary>
    /// Writes the observables of an owner inserted in this transaction: it has none yet, so nothing is read back.
    /// <paramref name="rows"/> must be distinct by (type, value), as <see cref="ObservableInput.Deduplicate"/> makes them.
    /// </summary>
    public static Task InsertNewAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, IReadOnlyList<ObservableInput> rows, long now) =>
        InsertAsync(c, tx, owner, rows, now);

    /// <summary>
    /// <see cref="InsertNewAsync"/> for many owners of one kind (alerts or cases) at once, in multi-row statements that
    /// span owners (a retro-hunt's thousands of new alerts).
    /// </summary>
    public static Task InsertNewManyAsync(DbConnection c, DbTransaction tx, IReadOnlyList<(ObservableOwner Owner, IReadOnlyList<ObservableInput> Rows)> owners, long now) =>
        InsertRowsAsync(c, tx, [.. owners.SelectMany(o => o.Rows.Select(r => (o.Owner, r)))], now);

    static Task InsertAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, IReadOnlyList<ObservableInput> rows, long now) =>
        InsertRowsAsync(c, tx, [.. rows.Select(r => (owner, r))], now);

    static async Task InsertRowsAsync(DbConnection c, DbTransaction tx, (ObservableOwner Owner, ObservableInput Row)[] rows, long now)
    {
        if (rows.Length == 0)
            return;
        if (rows.Any(r => r.Owner.Table != rows[0].Owner.Table))
            throw new ArgumentException("observables of alerts and of cases go to different tables; insert them apart", nameof(rows));
        var isCase = rows[0].Owner.Table == "case_observables";
        foreach (var chunk in rows.Chunk(RowsPerInsert))
        {
            var p = new DynamicParameters();
            Func<(ObservableOwner Owner, ObservableInput Row), object?>[] columns =
                [r => r.Owner.OwnerId, r => r.Owner.OrgId, r => r.Row.DataType, r => r.Row.Data, r => r.Row.Ioc, r => r.Row.Sighted, r => JsonColumns.Of(r.Row.Tags), r => r.Row.Message];
            var values = MultiRowValues.Rows(c, p, chunk, isCase ? [.. columns, _ => now] : columns);
            await c.ExecuteAsync(isCase
                ? $"INSERT INTO case_observables (case_id, org_id, data_type, data, ioc, sighted, tags, message, created_at) {values}"
                : $"INSERT INTO alert_observables (alert_id, org_id, data_type, data, ioc, sighted, tags, message) {values}", p, tx);
        }
    }

    /// <summary>
    /// The column and values that find observables by value in the (org_id, column, owner) index: the value itself on
    /// SQLite, its md5 on PostgreSQL, where values can exceed a B-tree entry (migration 8). md5 already decides which
    /// values are the same observable there (the unique index), so a look-up by it agrees with what was stored.
    /// </summary>
    public static (string Column, string[] Values) LookupKeys(Db db, string[] values) =>
        db.IsPostgres
            ? ("data_md5", values.Select(v => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(Encoding.UTF8.GetBytes(v)))).ToArray())
            : ("data", values);

    public static ObservableInput ToInput(Observable o) => new()
    {
        DataType = o.DataType,
        Data = o.Data,
        Ioc = o.Ioc,
        Sighted = o.Sighted,
        Tags = o.Tags,
        Message = o.Message,
    };
}
