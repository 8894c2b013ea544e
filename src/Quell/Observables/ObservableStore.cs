using System.Data.Common;
using Dapper;

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

    /// <summary>Adds new observables and merges repeats. Returns how many rows were added.</summary>
    public static async Task<int> MergeAsync(DbConnection c, DbTransaction tx, ObservableOwner owner, IReadOnlyCollection<ObservableInput> items, long now)
    {
        if (items.Count == 0)
            return 0;
        var existing = (await ListAsync(c, owner, tx)).ToDictionary(o => (o.DataType, o.Data));
        var added = 0;
        var isCase = owner.Table == "case_observables";
        var insert = isCase
            ? "INSERT INTO case_observables (case_id, org_id, data_type, data, ioc, sighted, tags, message, created_at) VALUES (@owner, @org, @DataType, @Data, @Ioc, @Sighted, @tags, @Message, @now)"
            : "INSERT INTO alert_observables (alert_id, org_id, data_type, data, ioc, sighted, tags, message) VALUES (@owner, @org, @DataType, @Data, @Ioc, @Sighted, @tags, @Message)";
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
            await c.ExecuteAsync(insert, new { owner = owner.OwnerId, org = owner.OrgId, o.DataType, o.Data, o.Ioc, o.Sighted, tags = JsonColumns.Of(o.Tags), o.Message, now }, tx);
            existing[(o.DataType, o.Data)] = new Observable { DataType = o.DataType, Data = o.Data, Ioc = o.Ioc, Sighted = o.Sighted, TagsJson = JsonColumns.Of(o.Tags) };
            added++;
        }
        return added;
    }

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
