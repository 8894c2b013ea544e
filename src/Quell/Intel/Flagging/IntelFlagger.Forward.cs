using Dapper;
using Quell.Intel.Matching;
using ObservableRow = (long Id, long OrgId, string Data);

namespace Quell.Intel.Flagging;

/// <summary>Forward: observables stored since the last pass, looked up in the matcher.</summary>
public sealed partial class IntelFlagger
{
    Task<int> ForwardAsync(FlagSource source, CancellationToken ct) =>
        ReadOnAsync<ObservableRow>(source.Table, ObservablePage, r => r.Id, (where, p) => ReadObservablesAsync(source, where, p, ct),
            (state, rows) => FlagAsync(source, state, rows, ct), ct);

    Task<List<ObservableRow>> ReadObservablesAsync(FlagSource source, string where, DynamicParameters p, CancellationToken ct) =>
        db.ReadAsync(async c => (await c.QueryAsync<ObservableRow>(
            $"SELECT id, org_id, data FROM {source.Table} WHERE {where}", p)).AsList(), ct);

    /// <summary>Looks a page of observables up and records what matched together with the position after it.</summary>
    async Task<int> FlagAsync(FlagSource source, SourceState state, List<ObservableRow> rows, CancellationToken ct)
    {
        var found = new List<(ObservableRow Row, long IndicatorId)>();
        foreach (var row in rows)
        {
            // IsMatch first: it allocates nothing, and almost every observable matches nothing.
            if (index.IsMatch(row.OrgId, row.Data))
                found.AddRange(index.Match(row.OrgId, row.Data).Select(id => (row, id)));
        }
        if (found.Count == 0)
            return 0;
        var indicatorIds = found.Select(f => f.IndicatorId).Distinct().ToArray();
        var indicators = await db.ReadAsync(async c =>
        {
            var p = new DynamicParameters();
            var inIds = Indicators.IndicatorWrites.InList(c, p, "id", "ids", indicatorIds);
            return (await c.QueryAsync<(long Id, string Type, string Value)>($"SELECT id, type, value FROM indicators WHERE {inIds}", p))
                .ToDictionary(i => i.Id);
        }, ct);
        var stored = new StoredMatch();
        var matches = found.Where(f => indicators.TryGetValue(f.IndicatorId, out var i) && stored.Confirms(i.Id, i.Type, i.Value, f.Row.Data))
            .Select(f => new FoundMatch(f.Row.Id, f.Row.Data, f.IndicatorId, MatchKinds.Of(f.Row.Data, indicators[f.IndicatorId].Type, indicators[f.IndicatorId].Value)))
            .ToList();
        return await SaveAsync(source.Table, state, (c, tx) => IntelMatchWrites.InsertAsync(c, tx, source, matches, Now), ct);
    }
}
