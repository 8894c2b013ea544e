using Dapper;
using Quell.Intel.Matching;
using Quell.Observables;
using IndicatorRow = (long Id, long OrgId, string Type, string Value);

namespace Quell.Intel.Flagging;

/// <summary>
/// Backward: indicators stored since the last pass, looked up among the observables already stored through the
/// observables' value index (<see cref="ObservableStore.LookupKeys"/>), by the exact values they would be stored as.
/// </summary>
public sealed partial class IntelFlagger
{
    /// <summary>Values per look-up statement.</summary>
    const int ValuesPerQuery = 500;

    /// <summary>Observables read per look-up statement; a value held by more is too common to flag everywhere backwards.</summary>
    public const int MaxBackwardRows = 20_000;

    /// <summary>Indicators passed per page while no observable is stored at all: only their ids are read.</summary>
    public const int IdsOnlyPage = 20_000;

    /// <remarks>
    /// While no alert or case holds any observable (a threat-intelligence server, a fresh install importing its feeds),
    /// the pass reads the new indicators' ids alone, in pages of <see cref="IdsOnlyPage"/>: there is nothing to look up,
    /// and reading back a 1 M-indicator pull's values a thousand rows at a time, with a cursor write per page, cost the
    /// server about as much as the writes it follows (decision 202). An observable stored after the probe is flagged by
    /// a later pass's forward step, whose catch-up sees every indicator this pass passed.
    /// </remarks>
    async Task<int> BackwardAsync(CancellationToken ct)
    {
        if (!await AnyObservablesAsync(ct))
            // Ids as plain numbers: the rows as (id, org, type, value) tuples through Dapper cost about 4 % of a 1 M-line
            // pull's samples for nothing but the ids (decision 221).
            return await ReadOnAsync<long>(FlagCursors.Indicators, IdsOnlyPage, id => id,
                (where, p) => db.ReadAsync(async c => (await c.QueryAsync<long>($"SELECT id FROM indicators WHERE {where}", p)).AsList(), ct),
                (_, _) => Task.FromResult(0), ct);
        return await ReadOnAsync<IndicatorRow>(FlagCursors.Indicators, IndicatorPage, r => r.Id,
            (where, p) => db.ReadAsync(async c => (await c.QueryAsync<IndicatorRow>($"SELECT id, org_id, type, value FROM indicators WHERE {where}", p)).AsList(), ct),
            (state, rows) => FlagBackwardAsync(state, rows, ct), ct);
    }

    /// <summary>Whether any organisation holds any observable in a table the flagger looks up (one probe per table).</summary>
    async Task<bool> AnyObservablesAsync(CancellationToken ct)
    {
        foreach (var source in FlagSource.All)
            if (await db.ReadAsync(c => c.ExecuteScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {source.Table})"), ct))
                return true;
        return false;
    }

    async Task<int> FlagBackwardAsync(SourceState state, List<IndicatorRow> rows, CancellationToken ct)
    {
        var found = FlagSource.All.ToDictionary(s => s, _ => new List<FoundMatch>());
        foreach (var org in rows.GroupBy(r => r.OrgId))
        {
            var sources = await SourcesWithObservablesAsync(org.Key, ct);
            if (sources.Count == 0)
                continue;
            // The page's own indicators in an index of their own: it says exactly which of them a stored value matches,
            // whether or not the server's matcher has caught up with them yet.
            var page = new IndicatorIndex();
            var byId = new Dictionary<long, IndicatorRow>();
            var values = new HashSet<string>(StringComparer.Ordinal);
            foreach (var r in org)
            {
                try
                {
                    page.Add(r.Id, r.Type, r.Value);
                }
                catch (ArgumentException)
                {
                    continue; // not indexable: the matcher skips (and logs) it too
                }
                byId[r.Id] = r;
                values.UnionWith(StoredForms.Of(r.Type, r.Value));
            }
            foreach (var source in sources)
                foreach (var chunk in values.Chunk(ValuesPerQuery))
                {
                    var (column, keys) = ObservableStore.LookupKeys(db, chunk);
                    var (isKey, list) = db.InMany(column, "@keys", keys);
                    var observables = await db.ReadAsync(async c => (await c.QueryAsync<(long Id, string Data)>(
                        $"SELECT id, data FROM {source.Table} WHERE org_id = @org AND {isKey} LIMIT @limit",
                        new { org = org.Key, keys = list, limit = MaxBackwardRows })).AsList(), ct);
                    if (observables.Count >= MaxBackwardRows)
                        TooCommon(log, org.Key, MaxBackwardRows, source.Table);
                    var ids = new List<long>();
                    foreach (var (id, data) in observables)
                    {
                        ids.Clear();
                        page.Match(data.AsSpan(), ids);
                        foreach (var indicatorId in ids)
                            found[source].Add(new FoundMatch(id, data, indicatorId, MatchKinds.Of(data, byId[indicatorId].Type, byId[indicatorId].Value)));
                    }
                }
        }
        if (found.Values.All(f => f.Count == 0))
            return 0;
        return await SaveAsync(FlagCursors.Indicators, state, async (c, tx) =>
        {
            var n = 0;
            foreach (var (source, matches) in found)
                n += await IntelMatchWrites.InsertAsync(c, tx, source, matches, Now);
            return n;
        }, ct);
    }

    /// <summary>
    /// The sources holding any observable of <paramref name="orgId"/>: one indexed probe each. A store without alerts or
    /// cases (a threat-intelligence server, a fresh install importing its feeds) then skips the stored forms of every
    /// new indicator and their look-ups: at 1 M new indicators with IPv4 blocks those were 2.5 M values in 10,000 queries.
    /// An observable stored after the probe is flagged by the forward pass, which sees these indicators by then.
    /// </summary>
    async Task<List<FlagSource>> SourcesWithObservablesAsync(long orgId, CancellationToken ct)
    {
        var sources = new List<FlagSource>();
        foreach (var source in FlagSource.All)
            if (await db.ReadAsync(c => c.ExecuteScalarAsync<bool>($"SELECT EXISTS (SELECT 1 FROM {source.Table} WHERE org_id = @orgId)", new { orgId }), ct))
                sources.Add(source);
        return sources;
    }
}
